// Who is looking: the Clockify user token that Clockify puts in the iframe's URL (?auth_token=).
// The token stays in memory only (never localStorage or a cookie) and is taken out of the address
// bar, so it is not kept in history or copied with the link. Its claims are read here only for
// presentation (theme, language, role, expiry); the server verifies the token on every call.

function decodeClaims(token) {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

const WRITE_ROLES = new Set(['OWNER', 'ADMIN']);

export class Session {
  constructor(token, claims) {
    this.token = token;
    this.claims = claims || {};
  }

  // Reads auth_token from the page URL and removes it from the address bar. Returns
  // {session} or {problem: 'missing' | 'malformed'}.
  static fromLocation(location, history) {
    const url = new URL(location.href);
    const token = url.searchParams.get('auth_token');
    if (!token) return { problem: 'missing' };
    url.searchParams.delete('auth_token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    const claims = decodeClaims(token);
    if (!claims) return { problem: 'malformed' };
    return { session: new Session(token, claims) };
  }

  get theme() { return this.claims.theme === 'DARK' ? 'dark' : 'light'; }
  get language() { return typeof this.claims.language === 'string' ? this.claims.language : ''; }
  get role() { return typeof this.claims.workspaceRole === 'string' ? this.claims.workspaceRole : ''; }
  get workspaceId() { return this.claims.workspaceId || ''; }
  // A user token without an admin role only reads; an installation token (no role) writes.
  get canWrite() { return !this.role || WRITE_ROLES.has(this.role); }
  // Milliseconds since the epoch when the token expires, or null.
  get expiresAt() { return typeof this.claims.exp === 'number' ? this.claims.exp * 1000 : null; }
  isExpired(now = Date.now()) {
    return this.expiresAt !== null && now >= this.expiresAt;
  }
}
