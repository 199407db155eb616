// The operator page's two HTML documents: the sign-in form, and the page whose panels ops.js fills from
// /ops/api/state every few seconds. Nothing inline (the CSP allows scripts and styles from the gateway only).

export const OPS_CSP = [
  "default-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "style-src 'self'",
  "script-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const head = (title: string, script: boolean) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/ops/ops.css">
<link rel="icon" href="/ops/icon.svg" type="image/svg+xml">
${script ? '<script src="/ops/ops.js" defer></script>\n' : ''}</head>`;

export function signInPage(wrongToken: boolean): string {
  return `${head('aicc-gateway · sign in', false)}
<body class="sign-in">
<main>
<h1>aicc-gateway operator page</h1>
<form method="post" action="/ops/login">
<label for="token">Operator token (<code>OPS_TOKEN</code>)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
${wrongToken ? '<p class="error" role="alert">That is not the operator token.</p>\n' : ''}<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`;
}

export function opsPage(): string {
  return `${head('aicc-gateway · operator page', true)}
<body>
<header>
<h1>aicc-gateway</h1>
<p id="node" class="node">loading…</p>
<p id="updated" class="updated" role="status"></p>
<form method="post" action="/ops/logout"><button type="submit">Sign out</button></form>
</header>
<p id="cluster" class="cluster" hidden></p>
<main>
<section class="wide" aria-labelledby="refused-title">
<h2 id="refused-title">Refused pushes</h2>
<p class="hint">AICC pushes a refused push again; the reason says which message and which field.</p>
<div id="refused"></div>
</section>
<section class="wide" aria-labelledby="anonymous-title">
<h2 id="anonymous-title">Unauthenticated posts</h2>
<p class="hint">Posts to the push doors whose credentials did not check out: anyone's noise, or AICC with the wrong
credentials (compare the app key with AICC_APPS / AICC_PUSH_KEYS). Kept apart from AICC's refused pushes.</p>
<div id="anonymous"></div>
</section>
<section class="wide" aria-labelledby="lookup-title">
<h2 id="lookup-title">Look up a customer</h2>
<form id="lookup">
<label for="customer">Customer id (AICC's <code>to</code>)</label>
<input id="customer" name="customer" required maxlength="128" autocomplete="off" spellcheck="false">
<button type="submit">Look up</button>
</form>
<div id="customer-result" aria-live="polite"></div>
</section>
<section class="wide" aria-labelledby="pushes-title">
<h2 id="pushes-title">Last pushes</h2>
<div id="pushes"></div>
</section>
<section class="wide" aria-labelledby="uplink-title">
<h2 id="uplink-title">Messages AICC did not take</h2>
<div id="uplink"></div>
</section>
<section aria-labelledby="connections-title">
<h2 id="connections-title">Connected customers</h2>
<div id="connections"></div>
</section>
<section aria-labelledby="store-title">
<h2 id="store-title">Store</h2>
<div id="store"></div>
</section>
<section aria-labelledby="config-title">
<h2 id="config-title">Configuration in force</h2>
<p class="hint">Secrets show only whether they are set.</p>
<div id="config"></div>
</section>
</main>
</body>
</html>
`;
}
