import { useEffect, useRef, useState, type FormEvent, type SyntheticEvent } from 'react';
import { deleteAccount } from '../api/client';

interface DeleteAccountDialogProps {
  /** Cancel or Escape: nothing was deleted, the profile stays. */
  onClose: () => void;
  /** The account is gone: the app clears its state and shows the sign-in page. */
  onDeleted: () => void;
  /** The session was over before the password could be checked: the app treats it as signed out. */
  onSessionEnded: () => void;
}

/**
 * Asks for the password before DELETE /users/me. A native modal <dialog>: the browser makes the page
 * behind it inert, keeps focus inside and closes it on Escape, all of which a div would only imitate.
 * A wrong password or a rate limit is said here, and the user stays signed in.
 */
export function DeleteAccountDialog({ onClose, onDeleted, onSessionEnded }: DeleteAccountDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const passwordInput = useRef<HTMLInputElement>(null);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const element = dialog.current;
    element?.showModal();
    passwordInput.current?.focus();
    // Closed here rather than through a 'close' listener: StrictMode mounts twice in development, and a
    // listener would take that first close for the user's Cancel.
    return () => element?.close();
  }, []);

  function cancel(event: SyntheticEvent) {
    // Escape: the parent decides, so the dialog never closes on its own while its request is under way.
    event.preventDefault();
    if (!busy) onClose();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const result = await deleteAccount(password);
    if (result.outcome === 'deleted') return onDeleted();
    if (result.outcome === 'session-ended') return onSessionEnded();
    if (result.outcome === 'wrong-password') setPassword('');
    setError(result.message);
    setBusy(false);
    passwordInput.current?.focus();
  }

  return (
    <dialog
      ref={dialog}
      className="confirm"
      aria-labelledby="delete-account-title"
      aria-describedby="delete-account-warning"
      onCancel={cancel}
    >
      <h2 id="delete-account-title">Delete account</h2>
      <p id="delete-account-warning">
        This deletes your account and signs you out on every device. It cannot be undone.
      </p>
      <form onSubmit={submit}>
        <label>
          Your password
          <input
            ref={passwordInput}
            type="password"
            autoComplete="current-password"
            required
            readOnly={busy}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <div className="actions">
          <button type="button" className="secondary" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="danger" disabled={busy}>
            Delete my account
          </button>
        </div>
      </form>
    </dialog>
  );
}
