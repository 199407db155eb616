// The one reading of `Authorization: Bearer <token>`, for every caller that sends one (AICC's pushMsg,
// customers, Prometheus, and the simulator playing API Fabric).

const BEARER = /^Bearer (\S+)$/;

/** The token of an Authorization header, or undefined when it is missing or not "Bearer <token>". */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  const value = Array.isArray(authorization) ? authorization[0] : authorization;
  return typeof value === 'string' ? BEARER.exec(value.trim())?.[1] : undefined;
}
