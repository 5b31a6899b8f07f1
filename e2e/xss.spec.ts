/**
 * Hostile text in every place the widget shows text from outside: the XSS vectors of the OWASP
 * XSS Filter Evasion Cheat Sheet (`e2e/xss-vectors.json`, its source and licence inside) as
 * visitor messages, agent messages, operator messages and names, page titles, and task labels
 * and selectors. Nothing may run: no alert/confirm/prompt/print, no dialog, no request off the
 * page's origin, no navigation, no element with a handler or a script URL in the page or the
 * widget's shadow root (even for a moment), and each text shows as the very text sent, in the
 * chat and after a reload.
 */
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from '@playwright/test';
import { LIMITS } from '../src/protocol/limits.js';
import type { AgentContext } from '../src/server/agent/agent.js';
import {
  clientMessages,
  clientReady,
  delivered,
  pageErrors,
  startChaosServer,
} from './chaos/chaos.js';
import { expect, revealWholeLog, test } from './fixtures.js';

const { vectors } = JSON.parse(
  readFileSync(new URL('./xss-vectors.json', import.meta.url), 'utf8'),
) as { vectors: string[] };

/**
 * What counts as "ran", recorded in the page: the dialog functions, and every element with an
 * event handler attribute, a script URL, or a tag that loads or runs something, added to the page
 * or to any shadow root after the page's own markup (the widget's own chunk scripts excepted).
 */
function watchForScript() {
  const ran: string[] = [];
  Object.assign(window, { xssRan: ran });
  for (const name of ['alert', 'confirm', 'prompt', 'print'] as const) {
    Object.defineProperty(window, name, {
      value: (...args: unknown[]) => {
        ran.push(`${name}(${args.join(',')})`);
      },
    });
  }
  const RUNS = /^(SCRIPT|IFRAME|FRAME|FRAMESET|OBJECT|EMBED|APPLET|BASE|META|IMG|LINK|ISINDEX)$/;
  const SCRIPT_URL = /^\s*(javascript|vbscript|data):/i;
  const check = (node: Node) => {
    if (!(node instanceof Element)) return;
    for (const el of [node, ...node.querySelectorAll('*')]) {
      const own =
        el.tagName === 'SCRIPT' && (el as HTMLScriptElement).src.startsWith(location.origin);
      if (RUNS.test(el.tagName) && !own) ran.push(`<${el.tagName.toLowerCase()}> added`);
      for (const attr of el.attributes) {
        if (/^on/i.test(attr.name)) ran.push(`${attr.name} on <${el.tagName.toLowerCase()}>`);
        if (SCRIPT_URL.test(attr.value) && /^(href|src|action|formaction|data)$/i.test(attr.name))
          ran.push(`${attr.name}=${attr.value.slice(0, 40)}`);
      }
    }
  };
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) check(node);
      if (record.type === 'attributes' && record.target instanceof Element) check(record.target);
    }
  });
  const watch = (root: Node) =>
    observer.observe(root, { childList: true, subtree: true, attributes: true });
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    watch(root);
    return root;
  };
  document.addEventListener('DOMContentLoaded', () => watch(document.documentElement));
}

/** Counts, in the test, what ran outside the page's reach: dialogs, requests elsewhere, navigations. */
async function watchFromOutside(context: BrowserContext, page: Page, origin: string) {
  const outside: string[] = [];
  await context.addInitScript(watchForScript);
  await context.route(
    (url) => url.origin !== origin,
    (route) => {
      outside.push(`request ${route.request().url()}`);
      return route.abort();
    },
  );
  page.on('dialog', (dialog) => {
    outside.push(`dialog ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame() && !frame.url().startsWith(origin))
      outside.push(`navigated to ${frame.url()}`);
  });
  return outside;
}

const ranInPage = (page: Page) =>
  page.evaluate(() => (window as unknown as { xssRan: string[] }).xssRan);

/** Every bubble and author name in the widget, as text, and whether any holds an element. */
async function shownTexts(page: Page) {
  await revealWholeLog(page);
  return page.evaluate(() => {
    const root = document.querySelector('leflux-widget')?.shadowRoot;
    const log = root?.querySelector('[role="log"]');
    if (!(log instanceof HTMLElement)) return { texts: [], names: [], withElements: 0, links: 0 };
    // A bubble holds text, and links the widget made of URLs in it (http, https or mailto,
    // with a visually hidden "(opens in a new tab)"): any other element is markup that got in.
    const made = (el: Element) =>
      (el.tagName === 'A' &&
        /^(https?|mailto):/i.test(el.getAttribute('href') ?? '') &&
        [...el.attributes].every((a) => ['href', 'target', 'rel'].includes(a.name))) ||
      (el.tagName === 'SPAN' && el.className === 'sr-only' && el.parentElement?.tagName === 'A');
    const parts = [...log.querySelectorAll('.bubble, [data-part="author-name"]')];
    /** The text as written: without the hidden "(opens in a new tab)" of links. */
    const text = (el: Element) => {
      const copy = el.cloneNode(true) as Element;
      for (const hidden of copy.querySelectorAll('.sr-only')) hidden.remove();
      return copy.textContent ?? '';
    };
    return {
      texts: [...log.querySelectorAll('.bubble')].map(text),
      names: [...log.querySelectorAll('[data-part="author-name"]')].map(text),
      withElements: parts.filter((p) => [...p.querySelectorAll('*')].some((el) => !made(el)))
        .length,
      links: log.querySelectorAll('.bubble a').length,
    };
  });
}

/** The agent: says back the message, then starts a task whose label and selectors are the text. */
const hostileAgent = {
  async reply({ message }: AgentContext) {
    const text = message.text;
    return {
      text,
      task: {
        label: text.slice(0, LIMITS.maxLabelLength),
        steps: [
          {
            type: 'highlight' as const,
            selector: text.slice(0, LIMITS.maxSelectorLength),
            label: text.slice(0, LIMITS.maxLabelLength),
          },
        ],
      },
    };
  },
};

test(`${vectors.length} XSS vectors (OWASP cheat sheet) as visitor, agent and operator messages, operator names, task labels and selectors: 0 run, in the chat and after a reload`, async ({
  context,
  page,
}) => {
  expect(vectors.length).toBeGreaterThanOrEqual(100);
  test.setTimeout(120_000);
  const chaos = await startChaosServer({ agent: hostileAgent });
  try {
    const errors = pageErrors(page);
    const outside = await watchFromOutside(context, page, chaos.url);
    await page.goto(`${chaos.url}/`);
    await clientReady(page);
    await page.evaluate(() => window.LeFlux?.open());
    // One at a time: each answer (the echo, then its task's failure) in before the next message,
    // so that no task replaces another before its step ran.
    await page.evaluate(async (texts) => {
      const answers = () =>
        (window.LeFlux?.client.getState().messages ?? []).filter((m) => m.author === 'agent')
          .length;
      for (const [i, text] of texts.entries()) {
        await window.LeFlux?.send(text);
        while (answers() < 2 * (i + 1)) await new Promise((done) => setTimeout(done, 10));
      }
    }, vectors);
    await delivered(page);
    const [{ sessionId = '' } = {}] = await clientMessages(page);
    for (const vector of vectors) {
      await chaos.server.post(sessionId, {
        text: vector,
        name: vector.slice(0, LIMITS.maxNameLength),
      });
    }
    // Every visitor message answered (the agent's echo, then its task's failure), and every
    // operator message in.
    await expect
      .poll(async () => (await clientMessages(page)).filter((m) => m.author === 'agent').length, {
        timeout: 60_000,
      })
      .toBeGreaterThanOrEqual(vectors.length * 3);
    const names = vectors.map((v) => v.slice(0, LIMITS.maxNameLength));
    for (const moment of ['in the chat', 'after a reload'] as const) {
      if (moment === 'after a reload') {
        await page.reload();
        await clientReady(page);
      }
      const shown = await shownTexts(page);
      const ran = await ranInPage(page);
      // The widget tried the tasks: each step failed on the selector, said back with the label.
      const tasksTried = shown.texts.filter((t) => t.includes('(invalid selector ')).length;
      console.log(
        `xss ${moment}: ${vectors.length} vectors, ${shown.texts.length} bubbles, ${shown.names.length} author names, ${tasksTried} tasks tried, ${shown.links} http(s) links made, ${shown.withElements} holding another element, ran in the page ${ran.length}, outside ${outside.length}, page errors ${errors.length}`,
      );
      expect(tasksTried).toBe(vectors.length);
      expect(ran).toEqual([]);
      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
      expect(shown.withElements).toBe(0);
      // Each vector shows as the very text sent: as the visitor's, the agent's, the operator's.
      for (const vector of vectors)
        expect(shown.texts.filter((t) => t === vector).length, vector).toBeGreaterThanOrEqual(3);
      expect(names.filter((n) => !shown.names.includes(n))).toEqual([]);
    }
  } finally {
    await chaos.close();
  }
});

/**
 * Page titles reach the agent at each connection, one page load each: every vector, in three
 * shards (tests of their own, so that two workers share the ~80 s).
 */
const TITLE_SHARDS = 3;
/**
 * What `document.title` reads back in Chromium: whitespace stripped and collapsed, where every
 * control character (U+0000 to U+0020, U+007F) counts as whitespace.
 */
const asTitle = (text: string) =>
  text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are the point.
    .replace(/[\x00-\x20\x7f]+/g, ' ')
    .trim()
    .slice(0, LIMITS.maxTitleLength);

for (let shard = 0; shard < TITLE_SHARDS; shard++) {
  const TITLES = vectors.filter((_, i) => i % TITLE_SHARDS === shard);
  test(`${TITLES.length} XSS vectors as page titles (part ${shard + 1} of ${TITLE_SHARDS}), said back by the agent: 0 run, in the chat and after a reload`, async ({
    context,
    page,
  }) => {
    test.setTimeout(120_000);
    const chaos = await startChaosServer({
      agent: { reply: async ({ page: { title } }) => ({ text: title }) },
    });
    try {
      const errors = pageErrors(page);
      const outside = await watchFromOutside(context, page, chaos.url);
      // The page's title, set before the widget connects (it reports the title at each connection).
      await context.addInitScript((titles) => {
        const title = titles[Number(new URLSearchParams(location.search).get('title') ?? -1)];
        // Once the page's own <title> is parsed (it would win); the socket connects later.
        if (title !== undefined)
          document.addEventListener('DOMContentLoaded', () => {
            document.title = title;
          });
      }, TITLES);
      for (const [i, title] of TITLES.entries()) {
        await page.goto(`${chaos.url}/?title=${i}`);
        await clientReady(page);
        await page.evaluate((n) => window.LeFlux?.send(`title ${n}`), i);
        await expect
          .poll(async () => (await clientMessages(page)).filter((m) => m.author === 'agent').at(-1))
          .toMatchObject({ text: asTitle(title) });
        expect(await ranInPage(page)).toEqual([]);
      }
      await page.goto(`${chaos.url}/`);
      await clientReady(page);
      const shown = await shownTexts(page);
      console.log(
        `xss page titles, part ${shard + 1} of ${TITLE_SHARDS}: ${TITLES.length} vectors, ${shown.texts.length} bubbles, ${shown.withElements} holding an element, ran in the page ${(await ranInPage(page)).length}, outside ${outside.length}, page errors ${errors.length}`,
      );
      for (const title of TITLES) expect(shown.texts).toContain(asTitle(title));
      expect(shown.withElements).toBe(0);
      expect(await ranInPage(page)).toEqual([]);
      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await chaos.close();
    }
  });
}
