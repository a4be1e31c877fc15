import axios from 'axios';
import { requestAccountDeletion, type AccountDeletion } from './account-deletion';
import { installSilentRefresh } from './silent-refresh';

/** Shapes of the API's responses that the SPA reads. */
export interface User {
  id: string;
  email: string;
  name: string | null;
  createdAt: string;
}

export interface Session {
  id: string;
  current: boolean;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string;
  ip: string;
}

export type LogoutScope = 'local' | 'others' | 'global';

/**
 * One axios instance for the whole app. `withCredentials: true` makes the browser send and store the
 * HttpOnly auth cookies also when the API is on another origin (CORS); on the same origin, behind the
 * Vite proxy, it is harmless. The SPA never sees a token: the cookies carry them.
 */
export const api = axios.create({
  baseURL: import.meta.env.VITE_API_BASE_URL ?? '/api/v1',
  withCredentials: true,
  headers: { 'Content-Type': 'application/json' },
});

let sessionEndedListener: () => void = () => {};

/** The app registers what "signed out" means for it (clear state, show the login page). */
export function onSessionEnded(listener: () => void): void {
  sessionEndedListener = listener;
}

installSilentRefresh(api, {
  refresh: () => api.post('/auth/refresh'),
  onSessionEnded: () => sessionEndedListener(),
});

export async function login(email: string, password: string): Promise<User> {
  const { data } = await api.post<{ user: User }>('/auth/login', { email, password });
  return data.user;
}

export async function register(email: string, password: string): Promise<User> {
  const { data } = await api.post<{ user: User }>('/auth/register', { email, password });
  return data.user;
}

export async function fetchMe(): Promise<User> {
  const { data } = await api.get<{ user: User }>('/users/me');
  return data.user;
}

export async function fetchSessions(): Promise<Session[]> {
  const { data } = await api.get<{ sessions: Session[] }>('/auth/sessions');
  return data.sessions;
}

export async function revokeSession(id: string): Promise<void> {
  await api.delete(`/auth/sessions/${encodeURIComponent(id)}`);
}

export async function logout(scope: LogoutScope): Promise<void> {
  await api.post('/auth/logout', null, { params: { scope } });
}

export function deleteAccount(password: string): Promise<AccountDeletion> {
  return requestAccountDeletion(api, password);
}
