import { useState, type FormEvent } from 'react';
import { login, register, type User } from '../api/client';
import { errorMessage } from '../api/errors';

export function LoginPage({ notice, onSignedIn }: { notice?: string | undefined; onSignedIn: (user: User) => void }) {
  const [mode, setMode] = useState<'sign-in' | 'register'>('sign-in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(mode === 'sign-in' ? await login(email, password) : await register(email, password));
    } catch (caught) {
      setError(errorMessage(caught));
      setBusy(false);
    }
  }

  const title = mode === 'sign-in' ? 'Sign in' : 'Create an account';
  return (
    <section className="card login" aria-labelledby="login-title">
      <h2 id="login-title">{title}</h2>
      {notice && <p className="notice" role="status">{notice}</p>}
      <form onSubmit={submit} data-testid="login-form">
        <label>
          Email
          <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'}
            required
            minLength={mode === 'register' ? 8 : 1}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>
          {title}
        </button>
      </form>
      <button type="button" className="link" onClick={() => setMode(mode === 'sign-in' ? 'register' : 'sign-in')}>
        {mode === 'sign-in' ? 'No account yet? Create one' : 'Have an account? Sign in'}
      </button>
    </section>
  );
}
