import { useEffect, useRef } from 'preact/hooks';
import { io, type Socket } from 'socket.io-client';
import {
  type DashboardClientEvents,
  type DashboardServerEvents,
  type InboxNews,
  validateInboxNews,
} from '../../src/protocol/dashboard.js';

type DashboardSocket = Socket<DashboardServerEvents, DashboardClientEvents>;

/**
 * Hears the site's news over socket.io's `/dashboard` namespace (signed in by the cookie the
 * handshake carries). `onNews` gets each valid news item; `onConnect` fires on every (re)connect,
 * when the caller should read the state again, since news sent meanwhile were missed.
 */
export function useSiteNews(
  site: string,
  onNews: (news: InboxNews) => void,
  onConnect?: () => void,
): void {
  const handlers = useRef({ onNews, onConnect });
  handlers.current = { onNews, onConnect };
  useEffect(() => {
    const socket: DashboardSocket = io('/dashboard', {
      auth: { siteKey: site },
      transports: ['websocket', 'polling'],
      withCredentials: true,
    });
    let connectedBefore = false;
    socket.on('connect', () => {
      // The first connect follows the page's own first read.
      if (connectedBefore) handlers.current.onConnect?.();
      connectedBefore = true;
    });
    socket.on('news', (raw) => {
      const checked = validateInboxNews(raw);
      if (checked.ok) handlers.current.onNews(checked.value);
    });
    return () => {
      socket.disconnect();
    };
  }, [site]);
}
