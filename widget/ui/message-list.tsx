import { Fragment } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { StoredMessage } from '../../src/client/index.js';
import type { ContactField } from '../../src/protocol/index.js';
import type { Strings } from '../strings.js';
import { ContactAnswer } from './contact-answer.js';

export interface MessageListProps {
  messages: readonly StoredMessage[];
  loading: boolean;
  strings: Strings;
  /** The visitor answered the agent's question for a contact detail. */
  onAnswer: (field: ContactField, value: string) => void;
}

/** How close to the bottom (px) still counts as "reading the latest": keep following new messages. */
const FOLLOW_SLACK = 80;

export function MessageList({ messages, loading, strings, onAnswer }: MessageListProps) {
  const log = useRef<HTMLDivElement>(null);
  const following = useRef(true);

  useLayoutEffect(() => {
    const el = log.current;
    const last = messages[messages.length - 1];
    if (el && (following.current || last?.author === 'visitor')) el.scrollTop = el.scrollHeight;
  }, [messages]);

  return (
    <div
      ref={log}
      class="log"
      role="log"
      aria-live="polite"
      onScroll={(event) => {
        const el = event.currentTarget;
        following.current = el.scrollHeight - el.scrollTop - el.clientHeight < FOLLOW_SLACK;
      }}
    >
      {!loading && messages.length === 0 && <p class="empty">{strings.empty}</p>}
      {messages.map((message, index) => {
        const previous = messages[index - 1];
        const startsArchive =
          message.archivedAt !== undefined && previous?.archivedAt !== message.archivedAt;
        const endsArchive = message.archivedAt === undefined && previous?.archivedAt !== undefined;
        return (
          <Fragment key={message.id}>
            {startsArchive && <p class="divider">{strings.earlier}</p>}
            {endsArchive && <p class="divider">{strings.newConversation}</p>}
            <Message message={message} strings={strings} />
            {message.asks && index === messages.length - 1 && message.archivedAt === undefined && (
              <ContactAnswer field={message.asks} strings={strings} onAnswer={onAnswer} />
            )}
          </Fragment>
        );
      })}
    </div>
  );
}

function Message({ message, strings }: { message: StoredMessage; strings: Strings }) {
  const status =
    message.status === 'pending'
      ? strings.sending
      : message.status === 'failed'
        ? strings.notSent
        : null;
  return (
    <div
      class="message"
      data-message-id={message.id}
      data-author={message.author}
      data-status={message.status}
      data-earlier={message.archivedAt !== undefined ? 'true' : undefined}
    >
      <p class="bubble">{message.text}</p>
      {status && <span class="status">{status}</span>}
    </div>
  );
}
