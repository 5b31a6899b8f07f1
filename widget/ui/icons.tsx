/** Inline icons: a couple of paths are cheaper than an icon font or image requests. */
export function CloseIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
      <path
        stroke="currentColor"
        stroke-width="2.2"
        stroke-linecap="round"
        d="M6 6l12 12M18 6L6 18"
      />
    </svg>
  );
}

export function SendIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
      <path fill="currentColor" d="M3 20l18-8L3 4v6l12 2-12 2z" />
    </svg>
  );
}

export function MoreIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
      <circle fill="currentColor" cx="5" cy="12" r="2" />
      <circle fill="currentColor" cx="12" cy="12" r="2" />
      <circle fill="currentColor" cx="19" cy="12" r="2" />
    </svg>
  );
}
