import { useEffect, useRef, useState } from 'preact/hooks';
import { LIMITS } from '../../src/protocol/index.js';
import type { Strings } from '../strings.js';
import { SendIcon } from './icons.js';

export interface ComposerProps {
  disabled: boolean;
  /** Take the focus when shown and when it becomes enabled again. */
  autoFocus: boolean;
  strings: Strings;
  onSend: (text: string) => unknown;
}

/** Text box and Send button. Enter sends, Shift+Enter starts a new line. */
export function Composer({ disabled, autoFocus, strings, onSend }: ComposerProps) {
  const [text, setText] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (!disabled && autoFocus) input.current?.focus({ preventScroll: true });
  }, [disabled, autoFocus]);

  const submit = () => {
    if (disabled || text.trim() === '') return;
    onSend(text);
    setText('');
  };

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <textarea
        ref={input}
        class="input"
        rows={1}
        aria-label={strings.message}
        placeholder={strings.placeholder}
        maxLength={LIMITS.maxTextLength}
        disabled={disabled}
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            submit();
          }
        }}
      />
      <button
        type="submit"
        class="send"
        aria-label={strings.send}
        disabled={disabled || text.trim() === ''}
      >
        <SendIcon />
      </button>
    </form>
  );
}
