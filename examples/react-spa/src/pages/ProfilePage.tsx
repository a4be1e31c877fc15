import { useCallback, useEffect, useState } from 'react';
import { fetchMe, fetchSessions, logout, revokeSession, type LogoutScope, type Session, type User } from '../api/client';
import { errorMessage, isUnauthorized } from '../api/errors';
import { DeleteAccountDialog } from './DeleteAccountDialog';

interface ProfilePageProps {
  user: User;
  onUserLoaded: (user: User) => void;
  onSignedOut: (notice?: string) => void;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const formatDate = (iso: string) => dateTime.format(new Date(iso));

/** "Mozilla/5.0 (X11; Linux x86_64) ... Chrome/156.0 ..." → "Chrome 156 on Linux", good enough for a list. */
function describeDevice(userAgent: string): string {
  if (!userAgent) return 'Unknown device';
  const browser = /(Firefox|Edg|Chrome|Safari)\/(\d+)/.exec(userAgent);
  const os = /(Windows|Mac OS X|Android|iPhone|Linux)/.exec(userAgent);
  if (!browser) return userAgent.slice(0, 60);
  const name = browser[1] === 'Edg' ? 'Edge' : browser[1];
  return `${name} ${browser[2]}${os ? ` on ${os[1]}` : ''}`;
}

export function ProfilePage({ user, onUserLoaded, onSignedOut }: ProfilePageProps) {
  const [sessions, setSessions] = useState<Session[]>();
  const [error, setError] = useState<string>();
  const [message, setMessage] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState(false);

  /**
   * Runs an action against the API. A 401 that reaches here means the silent refresh failed too, and the
   * app is already on its way to the login page: nothing to show.
   */
  const run = useCallback(async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      await action();
    } catch (caught) {
      if (!isUnauthorized(caught)) setError(errorMessage(caught));
    } finally {
      setBusy(false);
    }
  }, []);

  /** Profile and sessions load in parallel: after the access token expired, both 401s share one refresh. */
  const reload = useCallback(
    () =>
      run(async () => {
        const [me, active] = await Promise.all([fetchMe(), fetchSessions()]);
        onUserLoaded(me);
        setSessions(active);
      }),
    [run, onUserLoaded],
  );

  useEffect(() => {
    run(async () => setSessions(await fetchSessions()));
  }, [run]);

  async function signOut(scope: LogoutScope) {
    if (scope === 'others') {
      await run(async () => {
        try {
          await logout('others');
        } catch (caught) {
          // The server answered 401: these credentials are dead, so this device is signed out too.
          if (isUnauthorized(caught)) onSignedOut('Your session has ended. Please sign in again.');
          throw caught;
        }
        setSessions(await fetchSessions());
        setMessage('Signed out of all other devices.');
      });
      return;
    }
    // The server expires the cookies before anything else, and a 401 means there was nothing left to end:
    // either way this device is signed out, so the client state goes whatever the answer.
    let notice = scope === 'global' ? 'You have been signed out everywhere.' : 'You have been signed out.';
    try {
      await logout(scope);
    } catch (caught) {
      if (!isUnauthorized(caught)) notice = `Signed out here, but the server could not confirm it: ${errorMessage(caught)}`;
    }
    onSignedOut(notice);
  }

  async function revoke(session: Session) {
    await run(async () => {
      await revokeSession(session.id);
      if (session.current) {
        onSignedOut('You have been signed out.');
        return;
      }
      setSessions(await fetchSessions());
      setMessage('Session revoked.');
    });
  }

  return (
    <>
      <section className="card profile" aria-labelledby="profile-title">
        <h2 id="profile-title">Profile</h2>
        <dl>
          <dt>Email</dt>
          <dd data-testid="profile-email">{user.email}</dd>
          {user.name && (
            <>
              <dt>Name</dt>
              <dd>{user.name}</dd>
            </>
          )}
          <dt>Member since</dt>
          <dd>{formatDate(user.createdAt)}</dd>
        </dl>
        <div className="actions">
          <button type="button" onClick={reload} disabled={busy}>
            Reload
          </button>
          <button type="button" onClick={() => signOut('local')} disabled={busy}>
            Sign out this device
          </button>
          <button type="button" onClick={() => signOut('others')} disabled={busy}>
            Sign out other devices
          </button>
          <button type="button" className="danger" onClick={() => signOut('global')} disabled={busy}>
            Sign out everywhere
          </button>
        </div>
        {/* Apart from the sign-outs: it ends the account, not only sessions. */}
        <div className="actions account-actions">
          <button type="button" className="danger-outline" onClick={() => setDeleting(true)} disabled={busy}>
            Delete account
          </button>
        </div>
        {message && <p className="notice" role="status">{message}</p>}
        {error && <p className="error" role="alert">{error}</p>}
      </section>
      {deleting && (
        <DeleteAccountDialog
          onClose={() => setDeleting(false)}
          onDeleted={() => onSignedOut('Your account has been deleted.')}
          onSessionEnded={() => onSignedOut('Your session has ended. Please sign in again.')}
        />
      )}

      <section className="card" aria-labelledby="sessions-title">
        <h2 id="sessions-title">Active sessions</h2>
        {!sessions && <p>Loading sessions…</p>}
        {sessions && (
          <table className="sessions">
            <thead>
              <tr>
                <th>Device</th>
                <th>IP</th>
                <th>Signed in</th>
                <th>Last used</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {sessions.map((session) => (
                <tr key={session.id} data-testid="session-row" className={session.current ? 'current' : undefined}>
                  <td title={session.userAgent}>
                    {describeDevice(session.userAgent)}
                    {session.current && <span className="badge">this device</span>}
                  </td>
                  <td>{session.ip}</td>
                  <td>{formatDate(session.createdAt)}</td>
                  <td>{formatDate(session.lastUsedAt)}</td>
                  <td>
                    <button type="button" className="small" onClick={() => revoke(session)} disabled={busy}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
