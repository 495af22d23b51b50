/**
 * The dashboard's access check. The server prints a URL holding a random token; a request must carry
 * it, in the query (`?token=`) or in the cookie the first such request sets, so that the page's own
 * scripts, images and event stream load without repeating it. The cookie is named after the port:
 * browsers share cookies between ports of one host, and two dashboards must not overwrite each other's.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function cookieName(port: number): string {
  return `cyclegan_token_${port}`;
}

function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function sameToken(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export type Access = 'query' | 'cookie' | null;

/** How the request proved it knows the token, or null when it did not. */
export function checkAccess(request: IncomingMessage, url: URL, token: string, port: number): Access {
  if (sameToken(url.searchParams.get('token'), token)) return 'query';
  if (sameToken(cookieValue(request.headers.cookie, cookieName(port)), token)) return 'cookie';
  return null;
}

export function accessCookie(token: string, port: number): string {
  return `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}
