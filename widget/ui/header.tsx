import { useEffect, useRef, useState } from 'preact/hooks';
import type { LeFluxClient } from '../../src/client/index.js';
import type { Strings } from '../strings.js';
import { CloseIcon, MoreIcon } from './icons.js';

/** How long a press on the header must last to open the conversation menu (mouse or touch). */
export const LONG_PRESS_MS = 600;

export interface HeaderProps {
  client: LeFluxClient;
  title: string;
  strings: Strings;
  reconnecting: boolean;
}

/**
 * The window's header: title, connection hint, options menu and close button. A long press
 * anywhere on it opens the same menu as the options button, for touch users.
 */
export function Header({ client, title, strings, reconnecting }: HeaderProps) {
  const [menuOpen, setMenuOpen] = useState(false);
  const press = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const firstItem = useRef<HTMLButtonElement>(null);
  const optionsButton = useRef<HTMLButtonElement>(null);

  const cancelPress = () => {
    clearTimeout(press.current);
    press.current = undefined;
  };
  useEffect(() => cancelPress, []);
  useEffect(() => {
    if (menuOpen) firstItem.current?.focus();
  }, [menuOpen]);

  const choose = (forgetUser: boolean) => {
    setMenuOpen(false);
    void client.clear({ forgetUser });
  };

  return (
    <>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: the long press is a touch shortcut; keyboard users have the options button. */}
      <header
        class="header"
        data-part="header"
        onPointerDown={(event) => {
          // Buttons in the header keep their own meaning; only a primary press counts.
          if (event.button !== 0 || (event.target as Element).closest('button')) return;
          cancelPress();
          press.current = setTimeout(() => {
            press.current = undefined;
            setMenuOpen(true);
          }, LONG_PRESS_MS);
        }}
        onPointerUp={cancelPress}
        onPointerLeave={cancelPress}
        onPointerCancel={cancelPress}
        // A long touch would otherwise open the browser's own context menu.
        onContextMenu={(event) => event.preventDefault()}
      >
        <h2 class="title">{title}</h2>
        {reconnecting && <span class="connection">{strings.offline}</span>}
        <button
          type="button"
          ref={optionsButton}
          class="icon-button"
          aria-label={strings.options}
          aria-haspopup="true"
          aria-expanded={menuOpen}
          onClick={() => setMenuOpen(!menuOpen)}
        >
          <MoreIcon />
        </button>
        <button
          type="button"
          class="icon-button"
          aria-label={strings.closeChat}
          onClick={client.close}
        >
          <CloseIcon />
        </button>
      </header>
      {menuOpen && (
        // biome-ignore lint/a11y/useSemanticElements: a group of actions, not a form: no fieldset.
        <div
          class="menu"
          role="group"
          aria-label={strings.options}
          onKeyDown={(event) => {
            if (event.key !== 'Escape') return;
            setMenuOpen(false);
            optionsButton.current?.focus();
          }}
        >
          <button type="button" ref={firstItem} onClick={() => choose(false)}>
            {strings.clearConversation}
          </button>
          <button type="button" onClick={() => choose(true)}>
            {strings.clearAndForget}
          </button>
        </div>
      )}
    </>
  );
}
