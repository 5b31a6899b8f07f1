import type { StepResult } from '../src/client/index.js';
import type { ActionPayload, ContactDetails } from '../src/protocol/index.js';

/** Marks an element the agent points at; removed when the next highlight comes or the task ends. */
const HIGHLIGHT_ATTR = 'data-leflux-highlight';
const HIGHLIGHT_STYLE = 'outline: 3px solid #4f46e5; outline-offset: 4px; border-radius: 6px;';

function find(selector: string): Element | StepResult {
  let element: Element | null;
  try {
    element = document.querySelector(selector);
  } catch {
    return { ok: false, detail: `invalid selector ${selector}` };
  }
  if (!element) return { ok: false, detail: `no element matches ${selector}` };
  // The chat itself is the visitor's, never the agent's to click, fill or mark.
  if (element.closest('leflux-widget')) return { ok: false, detail: 'the chat is not a target' };
  return element;
}

export function clearHighlights(): void {
  for (const element of document.querySelectorAll<HTMLElement>(`[${HIGHLIGHT_ATTR}]`)) {
    element.style.cssText = element.getAttribute(HIGHLIGHT_ATTR) ?? '';
    element.removeAttribute(HIGHLIGHT_ATTR);
  }
}

function sameSite(url: string): URL | undefined {
  try {
    const target = new URL(url, location.href);
    return target.origin === location.origin ? target : undefined;
  } catch {
    return undefined;
  }
}

/** Sets a form control's value the way typing would, so frameworks that own the input see it. */
function typeInto(
  element: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement,
  value: string,
): void {
  const proto = Object.getPrototypeOf(element) as object;
  const setter = Object.getOwnPropertyDescriptor(proto, 'value')?.set;
  if (setter) setter.call(element, value);
  else element.value = value;
  element.dispatchEvent(new Event('input', { bubbles: true }));
  element.dispatchEvent(new Event('change', { bubbles: true }));
}

/**
 * Runs one agent step on the host page. A step that changes the page answers `ok` first and
 * changes it just after, so the answer leaves before the page unloads.
 */
export async function runPageStep(
  action: ActionPayload,
  context: { user: ContactDetails },
): Promise<StepResult> {
  switch (action.type) {
    case 'navigate': {
      const target = sameSite(action.url);
      if (!target) return { ok: false, detail: `${action.url} is not on this site` };
      setTimeout(() => location.assign(target.href), 50);
      return { ok: true };
    }
    case 'highlight': {
      const found = find(action.selector);
      if (!(found instanceof HTMLElement))
        return found instanceof Element ? { ok: false, detail: 'not an HTML element' } : found;
      clearHighlights();
      found.setAttribute(HIGHLIGHT_ATTR, found.style.cssText);
      found.style.cssText += HIGHLIGHT_STYLE;
      found.scrollIntoView({ behavior: 'smooth', block: 'center' });
      return { ok: true };
    }
    case 'scroll': {
      const found = find(action.selector);
      if (!(found instanceof Element)) return found;
      found.scrollIntoView({ behavior: 'smooth', block: 'center' });
      return { ok: true };
    }
    case 'fill': {
      const found = find(action.selector);
      if (!(found instanceof Element)) return found;
      if (
        !(
          found instanceof HTMLInputElement ||
          found instanceof HTMLTextAreaElement ||
          found instanceof HTMLSelectElement
        )
      ) {
        return { ok: false, detail: `${action.selector} is not a form field` };
      }
      const value = action.value ?? (action.field ? context.user[action.field] : undefined);
      if (value === undefined)
        return { ok: false, detail: `no ${action.field ?? 'value'} to fill in` };
      typeInto(found, value);
      return { ok: true };
    }
    case 'click': {
      const found = find(action.selector);
      if (!(found instanceof HTMLElement))
        return found instanceof Element ? { ok: false, detail: 'not clickable' } : found;
      // A click that changes the page must answer first, like navigate.
      if (action.expectUrl) setTimeout(() => found.click(), 50);
      else found.click();
      return { ok: true };
    }
  }
}
