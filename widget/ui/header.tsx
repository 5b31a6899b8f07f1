import { useEffect, useRef, useState } from 'preact/hooks';
import type { LeFluxClient } from '../../src/client/index.js';
import type { Strings } from '../strings.js';
import { CloseIcon, MoreIcon } from './icons.js';
import { useOnDemand } from './on-demand.js';

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
  const optionsButton = useRef<HTMLButtonElement>(null);
  // Fetched when the visitor reaches for it (a press on the header, the options button), so it
  // is usually there by the time it opens.
  const [wanted, setWanted] = useState(false);
  const Menu = useOnDemand(wanted || menuOpen, () => import('./menu.js').then((m) => m.Menu));

  const cancelPress = () => {
    clearTimeout(press.current);
    press.current = undefined;
  };
  useEffect(() => cancelPress, []);

  const choose = (forgetUser: boolean) => {
    setMenuOpen(false);
    void client.clear({ forgetUser });
  };

  return (
    <>
      {/* A div, not <header>: inside the widget it would be a second banner landmark on the page. */}
      {/* biome-ignore lint/a11y/noStaticElementInteractions: the long press is a touch shortcut; keyboard users have the options button. */}
      <div
        class="header"
        data-part="header"
        onPointerDown={(event) => {
          // Buttons in the header keep their own meaning; only a primary press counts.
          setWanted(true);
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
          onFocus={() => setWanted(true)}
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
      </div>
      {menuOpen && Menu && (
        <Menu
          strings={strings}
          onChoose={choose}
          onDismiss={() => {
            setMenuOpen(false);
            optionsButton.current?.focus();
          }}
        />
      )}
    </>
  );
}
