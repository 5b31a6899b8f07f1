import { useEffect, useRef } from 'preact/hooks';
import type { Strings } from '../strings.js';

export interface MenuProps {
  strings: Strings;
  /** A choice: clear the conversation, and the visitor's details too with `forgetUser`. */
  onChoose: (forgetUser: boolean) => void;
  /** Escape: the menu closes and the options button takes the focus back. */
  onDismiss: () => void;
}

/**
 * The conversation menu (long press on the header, or its options button): a chunk of its own,
 * loaded the first time it opens. Its first item takes the focus.
 */
export function Menu({ strings, onChoose, onDismiss }: MenuProps) {
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), []);
  return (
    // biome-ignore lint/a11y/useSemanticElements: a group of actions, not a form: no fieldset.
    <div
      class="menu"
      role="group"
      aria-label={strings.options}
      onKeyDown={(event) => {
        if (event.key !== 'Escape') return;
        // Handled: the window stays open.
        event.preventDefault();
        onDismiss();
      }}
    >
      <button type="button" ref={first} onClick={() => onChoose(false)}>
        {strings.clearConversation}
      </button>
      <button type="button" onClick={() => onChoose(true)}>
        {strings.clearAndForget}
      </button>
    </div>
  );
}
