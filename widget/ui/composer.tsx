import { useEffect, useRef } from 'preact/hooks';
import { LIMITS } from '../../src/protocol/index.js';
import type { Strings } from '../strings.js';
import { SendIcon } from './icons.js';

export interface ComposerProps {
  disabled: boolean;
  /** Take the focus when shown and when it becomes enabled again. */
  autoFocus: boolean;
  strings: Strings;
  /** The draft: the client keeps it (with the window state) and shows it in every tab. */
  text: string;
  onInput: (text: string) => void;
  onSend: (text: string) => unknown;
}

/**
 * Text box and Send button. Enter sends, Shift+Enter starts a new line. While disabled (another
 * tab took over) what the visitor typed stays.
 */
export function Composer({ disabled, autoFocus, strings, text, onInput, onSend }: ComposerProps) {
  const input = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (!disabled && autoFocus) input.current?.focus({ preventScroll: true });
  }, [disabled, autoFocus]);

  const submit = () => {
    if (disabled || text.trim() === '') return;
    onSend(text);
    onInput('');
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
        dir="auto"
        rows={1}
        aria-label={strings.message}
        placeholder={strings.placeholder}
        maxLength={LIMITS.maxTextLength}
        disabled={disabled}
        value={text}
        onInput={(event) => onInput(event.currentTarget.value)}
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
