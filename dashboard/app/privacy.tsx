import { useEffect, useState } from 'preact/hooks';
import type { PrivacySettings } from '../../src/protocol/dashboard.js';
import { ApiError, api } from '../api.js';

/** The form's fields as typed (numbers as text, so a half-typed value is not lost). */
interface Draft {
  sessionHours: string;
  idleMinutes: string;
  messageLog: boolean;
  retentionDays: string;
}

const toDraft = (s: PrivacySettings): Draft => ({
  sessionHours: String(Number(s.sessionHours.toFixed(4))),
  idleMinutes: String(Number(s.idleMinutes.toFixed(4))),
  messageLog: s.messageLog,
  retentionDays: s.retentionDays === null ? '' : String(s.retentionDays),
});

/** The site's privacy settings: saved for good, in effect for new sessions at once. */
export function Privacy({ site }: { site: string }) {
  const [draft, setDraft] = useState<Draft | undefined>(undefined);
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');

  useEffect(() => {
    setDraft(undefined);
    api<PrivacySettings>('GET', `sites/${site}/privacy`).then(
      (settings) => setDraft(toDraft(settings)),
      () => setError('Could not load the settings.'),
    );
  }, [site]);

  async function save(event: Event) {
    event.preventDefault();
    if (!draft) return;
    setStatus('');
    setError('');
    try {
      const saved = await api<PrivacySettings>('PUT', `sites/${site}/privacy`, {
        sessionHours: Number(draft.sessionHours),
        idleMinutes: Number(draft.idleMinutes),
        messageLog: draft.messageLog,
        retentionDays: draft.retentionDays.trim() === '' ? null : Number(draft.retentionDays),
      });
      setDraft(toDraft(saved));
      setStatus('Saved. New sessions follow these settings now.');
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : 'Could not save.');
    }
  }

  if (!draft)
    return (
      <main class="page">
        {error ? <p role="alert">{error}</p> : <p class="loading">Loading…</p>}
      </main>
    );
  const set = (change: Partial<Draft>) => setDraft({ ...draft, ...change });
  return (
    <main class="page">
      <h1>Privacy</h1>
      <form class="settings card" onSubmit={save}>
        <label>
          Browser session (hours)
          <input
            type="number"
            min={0.0167}
            max={24}
            step="any"
            required
            value={draft.sessionHours}
            onInput={(e) => set({ sessionHours: e.currentTarget.value })}
          />
          <small>How long a visitor’s browser keeps the conversation (at most 24).</small>
        </label>
        <label>
          Server idle timeout (minutes)
          <input
            type="number"
            min={0.0167}
            step="any"
            required
            value={draft.idleMinutes}
            onInput={(e) => set({ idleMinutes: e.currentTarget.value })}
          />
          <small>A session with no visitor activity this long ends on the server.</small>
        </label>
        <label class="inline">
          <input
            type="checkbox"
            checked={draft.messageLog}
            onChange={(e) => set({ messageLog: e.currentTarget.checked })}
          />
          Keep a message log
          <small>Off: new messages are not logged, so they do not appear in this dashboard.</small>
        </label>
        <label>
          Delete log messages after (days)
          <input
            type="number"
            min={1}
            max={3650}
            step={1}
            placeholder="Keep until deleted"
            value={draft.retentionDays}
            onInput={(e) => set({ retentionDays: e.currentTarget.value })}
          />
          <small>
            Older messages are deleted once a day. Empty: kept until a conversation is deleted.
          </small>
        </label>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <p role="status" class="saved">
          {status}
        </p>
        <button type="submit">Save</button>
      </form>
    </main>
  );
}
