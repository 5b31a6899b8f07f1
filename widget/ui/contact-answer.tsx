import { useState } from 'preact/hooks';
import { type ContactField, validateContact } from '../../src/protocol/index.js';
import type { Strings } from '../strings.js';

const INPUT: Record<ContactField, { type: string; autocomplete: string; label: keyof Strings }> = {
  name: { type: 'text', autocomplete: 'name', label: 'fieldName' },
  email: { type: 'email', autocomplete: 'email', label: 'fieldEmail' },
  phone: { type: 'tel', autocomplete: 'tel', label: 'fieldPhone' },
};

export interface ContactAnswerProps {
  field: ContactField;
  strings: Strings;
  onAnswer: (field: ContactField, value: string) => void;
}

/**
 * The small in-chat form under an agent question for a contact detail: the right kind of input,
 * checked with the same rules as `identify()` and the server, before it is sent.
 */
export function ContactAnswer({ field, strings, onAnswer }: ContactAnswerProps) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const input = INPUT[field];
  const label = strings[input.label];
  const errorId = `leflux-${field}-error`;
  return (
    <form
      class="contact-answer"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const checked = validateContact({ [field]: value });
        const answer = checked.ok ? checked.value[field] : undefined;
        if (!answer) {
          setError(checked.ok ? `${label}?` : `${label}: ${checked.errors[field]}`);
          return;
        }
        onAnswer(field, answer);
      }}
    >
      <input
        type={input.type}
        autocomplete={input.autocomplete}
        aria-label={label}
        placeholder={label}
        value={value}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? errorId : undefined}
        onInput={(event) => {
          setValue(event.currentTarget.value);
          setError(undefined);
        }}
      />
      <button type="submit">{strings.save}</button>
      {error && (
        <p id={errorId} class="field-error">
          {error}
        </p>
      )}
    </form>
  );
}
