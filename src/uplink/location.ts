// A customer's location as AICC's send can carry it. send has no location type (its mediaType list is TEXT,
// IMAGE, AUDIO, VIDEO, FILE, FILE_IMAGE, FILE_VIDEO, WEBCARD: cec_07_0105), so the location goes up as TEXT that
// an agent can read and open: the description, the coordinates, and a map link. This form is our reading
// (docs/aicc.md §8); the customer's own log keeps the location as such.

export interface Coordinates {
  latitude: number;
  longitude: number;
  description: string;
}

/** Seven decimals are about a centimetre: more only lengthens the text. */
const DIGITS = 7;

/** "📍 Eiffel Tower (48.8584, 2.2945) https://www.openstreetmap.org/?mlat=48.8584&mlon=2.2945#map=17/48.8584/2.2945" */
export function locationText(location: Coordinates): string {
  const lat = round(location.latitude);
  const lon = round(location.longitude);
  const description = location.description.trim();
  const link = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`;
  return `📍 ${description ? `${description} ` : ''}(${lat}, ${lon}) ${link}`;
}

function round(value: number): string {
  return String(Number(value.toFixed(DIGITS)));
}
