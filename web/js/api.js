// api.js — the one way the console talks to the server: the HttpOnly session cookie set at
// login, the CSRF token from the login answer (kept in sessionStorage, sent as X-CSRF-Token
// on every write), JSON in and out, and errors as ApiError {status, code, field, message,
// details} so that forms can put each message beside its field.

const CSRF_KEY = 'wj.csrf';

export class ApiError extends Error {
  constructor(status, body) {
    const e = body?.error ?? {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || (status === 0 ? 'network' : 'internal');
    this.field = e.field ?? null;
    this.details = e.details ?? {};
  }
}

let onUnauthenticated = () => {};

/** Called (once per failing request) when the session is gone: the app shows the login page. */
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn;
}

export function hasCsrf() {
  return !!sessionStorage.getItem(CSRF_KEY);
}

/**
 * One request. opts: query (object; empty values dropped), body (JSON), headers, raw (a Blob
 * or string sent as is), quiet401 (do not trigger the login page). Resolves {status, data,
 * etag, headers}; rejects with ApiError.
 */
export async function request(method, path, opts = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(opts.query ?? {}))
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  const headers = { Accept: 'application/json', ...(opts.headers ?? {}) };
  let body;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['Content-Type'] = 'application/json';
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = sessionStorage.getItem(CSRF_KEY);
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  let res;
  try {
    res = await fetch(url, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, { error: { code: 'network', message: 'network error' } });
  }
  const type = res.headers.get('Content-Type') || '';
  let data = null;
  if (res.status !== 204 && type.includes('json')) data = await res.json().catch(() => null);
  else if (res.status !== 204 && !opts.blob) data = await res.text();
  else if (opts.blob) data = await res.blob();
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    if (res.status === 401 && !opts.quiet401) onUnauthenticated(err);
    throw err;
  }
  return { status: res.status, data, etag: res.headers.get('ETag'), headers: res.headers };
}

export const get = (path, query, opts = {}) => request('GET', path, { ...opts, query }).then((r) => r.data);

/** GET that also returns the ETag (for a later PATCH with If-Match). */
export const getWithEtag = (path) => request('GET', path);

/** Every item of a paged list (following next_cursor), at most `max` items. */
export async function getAll(path, query = {}, max = 5000) {
  const items = [];
  let cursor;
  do {
    const page = await get(path, { ...query, limit: 500, cursor });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return { items, truncated: !!cursor };
}

export async function login(username, password) {
  const r = await request('POST', '/api/v1/auth/login', { body: { username, password }, quiet401: true });
  sessionStorage.setItem(CSRF_KEY, r.data.csrf_token);
  return r.data.user;
}

export async function logout() {
  try {
    await request('POST', '/api/v1/auth/logout', { quiet401: true });
  } finally {
    sessionStorage.removeItem(CSRF_KEY);
  }
}

export function forgetSession() {
  sessionStorage.removeItem(CSRF_KEY);
}

/** Idempotency key for a POST: one per form submission, so a double click creates one record. */
export function newIdempotencyKey() {
  const a = new Uint8Array(16);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The error as a map from JSON path (or parameter) to the error, for forms: a rejected
 * body names one field (`beds`, `campuses[1].departments[0].name`); {} when it names none. */
export function fieldMap(err) {
  return err instanceof ApiError && err.field ? { [err.field]: err } : {};
}
