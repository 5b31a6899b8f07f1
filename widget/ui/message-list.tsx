import type { VNode } from 'preact';
import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { StoredMessage } from '../../src/client/index.js';
import type { ContactField } from '../../src/protocol/index.js';
import { linkify } from '../links.js';
import type { Strings } from '../strings.js';
import { useOnDemand } from './on-demand.js';

export interface MessageListProps {
  messages: readonly StoredMessage[];
  strings: Strings;
  /** The visitor answered the agent's question for a contact detail. */
  onAnswer: (field: ContactField, value: string) => void;
}

/** How close to the bottom (px) still counts as "reading the latest": keep following new messages. */
const FOLLOW_SLACK = 80;
/** Messages rendered when the list first shows (or after a clear): more than a screenful. */
const FIRST = 15;
/** Older messages rendered at once when less than a screen is left above what the visitor sees. */
const STEP = 100;
/**
 * While the visitor follows the latest, at most this many messages stay rendered: a few screens
 * to scroll back through before older ones render. Each frame's layout and pre-paint grow with
 * the rows in the DOM (120 rows: ~4.5 ms frames in headless Chromium, 40 rows: ~3.6 ms), and a
 * message from another tab waits for the frame in progress.
 */
const MAX_FOLLOWING = 40;

/**
 * The conversation, newest at the bottom. Only the latest messages are in the DOM at first (the
 * first frame shows them at once); new ones add to them, and older ones render above once less
 * than a screen of them is left above the view, keeping what the visitor reads in place. Each
 * message's row is made once per message copy, so a change re-renders only the rows it touched.
 */
export function MessageList({ messages, strings, onAnswer }: MessageListProps) {
  const log = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  /** The oldest message rendered (an id: copies of a message change, its id does not). */
  const oldest = useRef<string>();
  /** The log's scrollHeight before older messages were rendered above (the log has no scroll
   * anchoring, `overflow-anchor: none`: browsers that have it would adjust a second time). */
  const grownFrom = useRef<number>();
  /** A scroll to the bottom waiting for the next frame (its request id), or 0. */
  const toBottom = useRef(0);
  const [, grow] = useState(0);
  const rows = useMemo(() => new WeakMap<StoredMessage, VNode>(), [strings]);
  /** What the last render showed, for the scroll handlers. */
  const shown = useRef({ from: 0, messages });

  let from = messages.length;
  while (from > 0 && messages[from - 1]?.id !== oldest.current) from--;
  if (from > 0) from--;
  else from = Math.max(0, messages.length - FIRST);
  // Following the latest, the oldest rows go as new ones come: the DOM stays small.
  if (following.current) from = Math.max(from, messages.length - MAX_FOLLOWING);
  oldest.current = messages[from]?.id;
  shown.current = { from, messages };

  /** After any scroll: still following the latest? Time to render older messages above? */
  const scrolled = (el: HTMLElement) => {
    following.current = el.scrollHeight - el.scrollTop - el.clientHeight < FOLLOW_SLACK;
    const { from, messages } = shown.current;
    if (from > 0 && el.scrollTop < el.clientHeight && grownFrom.current === undefined) {
      grownFrom.current = el.scrollHeight;
      oldest.current = messages[Math.max(0, from - STEP)]?.id;
      grow((n) => n + 1);
    }
  };

  useLayoutEffect(() => {
    const el = log.current;
    if (!el) return;
    if (grownFrom.current !== undefined) {
      el.scrollTop += el.scrollHeight - grownFrom.current;
      grownFrom.current = undefined;
    }
    const last = messages[messages.length - 1];
    // To the bottom once per frame, before it paints: a burst of changes lays out once.
    if ((following.current || last?.author === 'visitor') && !toBottom.current)
      toBottom.current = requestAnimationFrame(() => {
        toBottom.current = 0;
        el.scrollTop = el.scrollHeight;
        // Content shorter than the log scrolls nowhere, so no scroll event would follow.
        scrolled(el);
      });
  }, [messages, from]);
  useLayoutEffect(() => {
    const el = log.current;
    // The log shrinks under a notice, the typing line or a phone's keyboard: the latest stays in
    // view while the visitor follows it.
    const resized =
      el && typeof ResizeObserver === 'function'
        ? new ResizeObserver(() => {
            if (following.current) el.scrollTop = el.scrollHeight;
          })
        : undefined;
    if (el) resized?.observe(el);
    return () => {
      resized?.disconnect();
      cancelAnimationFrame(toBottom.current);
    };
  }, []);

  const children: VNode[] = [];
  for (let index = from; index < messages.length; index++) {
    const message = messages[index] as StoredMessage;
    const previous = messages[index - 1];
    if (message.archivedAt !== undefined && previous?.archivedAt !== message.archivedAt)
      children.push(
        <p key={`${message.id}:earlier`} class="divider">
          {strings.earlier}
        </p>,
      );
    if (message.archivedAt === undefined && previous?.archivedAt !== undefined)
      children.push(
        <p key={`${message.id}:new`} class="divider">
          {strings.newConversation}
        </p>,
      );
    let row = rows.get(message);
    if (!row) {
      row = <Message key={message.id} message={message} strings={strings} />;
      rows.set(message, row);
    }
    children.push(row);
  }
  const last = messages[messages.length - 1];
  const asking = last?.asks !== undefined && last.archivedAt === undefined;
  const ContactAnswer = useOnDemand(asking, () =>
    import('./contact-answer.js').then((m) => m.ContactAnswer),
  );
  if (last?.asks && asking && ContactAnswer)
    children.push(
      <ContactAnswer
        key={`${last.id}:answer`}
        field={last.asks}
        strings={strings}
        onAnswer={onAnswer}
      />,
    );

  return (
    <div
      ref={log}
      class="log"
      role="log"
      aria-live="polite"
      onScroll={(event) => scrolled(event.currentTarget)}
    >
      {messages.length === 0 && <p class="empty">{strings.empty}</p>}
      {children}
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
      {message.name !== undefined && (
        <span class="author-name" data-part="author-name">
          {message.name}
        </span>
      )}
      {/* Each message in its own direction: an English answer in a right-to-left widget reads right. */}
      <p class="bubble" dir="auto">
        {message.author === 'visitor'
          ? message.text
          : linkify(message.text, location.origin).map((piece) =>
              typeof piece === 'string' ? (
                piece
              ) : piece.external ? (
                <a href={piece.href} target="_blank" rel="noopener noreferrer">
                  {piece.text}
                  <span class="sr-only"> {strings.newTab}</span>
                </a>
              ) : (
                <a href={piece.href}>{piece.text}</a>
              ),
            )}
      </p>
      {status && <span class="status">{status}</span>}
    </div>
  );
}
