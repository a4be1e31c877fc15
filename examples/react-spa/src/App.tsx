import { useCallback, useEffect, useState } from 'react';
import { fetchMe, onSessionEnded, type User } from './api/client';
import { isUnauthorized } from './api/errors';
import { LoginPage } from './pages/LoginPage';
import { ProfilePage } from './pages/ProfilePage';

type AuthState =
  | { status: 'loading' }
  | { status: 'signed-out'; notice?: string }
  | { status: 'signed-in'; user: User };

/**
 * The whole client state is "who is signed in". Signing out, by any path (a logout button, a failed
 * silent refresh, another device signing this one out), sets it back to signed-out, which shows the
 * login page. The HttpOnly cookies are the server's business: it expires them.
 */
export function App() {
  const [auth, setAuth] = useState<AuthState>({ status: 'loading' });

  const signedOut = useCallback((notice?: string) => setAuth({ status: 'signed-out', ...(notice ? { notice } : {}) }), []);

  useEffect(() => {
    onSessionEnded(() =>
      setAuth((previous) =>
        previous.status === 'signed-in'
          ? { status: 'signed-out', notice: 'Your session has ended. Please sign in again.' }
          : { status: 'signed-out' },
      ),
    );
    // Cookies survive a reload, so ask the API who we are (refreshing silently if the access token expired).
    fetchMe().then(
      (user) => setAuth({ status: 'signed-in', user }),
      (error: unknown) => {
        if (!isUnauthorized(error)) console.error(error);
        setAuth({ status: 'signed-out' });
      },
    );
  }, []);

  return (
    <main className="app">
      <header className="app-header">
        <h1>Logout Auth API</h1>
        <span className="tagline">React SPA · HttpOnly cookies · silent refresh</span>
      </header>
      {auth.status === 'loading' && <p aria-busy="true">Loading…</p>}
      {auth.status === 'signed-out' && (
        <LoginPage notice={auth.notice} onSignedIn={(user) => setAuth({ status: 'signed-in', user })} />
      )}
      {auth.status === 'signed-in' && (
        <ProfilePage
          user={auth.user}
          onUserLoaded={(user) => setAuth({ status: 'signed-in', user })}
          onSignedOut={signedOut}
        />
      )}
    </main>
  );
}
