// @vitest-environment node
import { describe, expect, it } from 'vitest';
import {
  validateActionPayload,
  validateSessionInit,
  validateTaskInfo,
  validateTaskStep,
} from './validate.js';

describe('validateTaskStep', () => {
  it.each([
    [{ type: 'navigate', url: '/pricing.html' }],
    [{ type: 'navigate', url: 'https://acme.test/a?b=1', expectUrl: '/a', label: 'Going' }],
    [{ type: 'highlight', selector: '#plan-pro' }],
    [{ type: 'fill', selector: '#email', field: 'email' }],
    [{ type: 'fill', selector: '#note', value: '' }],
    [{ type: 'click', selector: 'a.next', expectUrl: '/next' }],
    [{ type: 'scroll', selector: 'footer' }],
    [{ type: 'say', text: 'Here you go.' }],
    [{ type: 'ask', question: 'Your name?', scope: 'contact', field: 'name' }],
    [{ type: 'ask', question: 'Which plan?', scope: 'sales', key: 'plan' }],
  ])('accepts %j as it is', (step) => {
    expect(validateTaskStep(step)).toEqual({ ok: true, value: step });
  });

  it('drops unknown keys and undefined ones', () => {
    expect(validateTaskStep({ type: 'scroll', selector: 'p', extra: 1, label: undefined })).toEqual(
      { ok: true, value: { type: 'scroll', selector: 'p' } },
    );
  });

  it.each([
    [{ type: 'wiggle', selector: 'p' }, /type must be one of navigate/],
    [{ type: 'navigate', url: '//evil.test/' }, /url must be a path/],
    [{ type: 'navigate', url: 'javascript:alert(1)' }, /url must be a path/],
    [{ type: 'navigate', url: '/a', expectUrl: 'ftp://x' }, /expectUrl must be a path/],
    [{ type: 'highlight', selector: '  ' }, /selector must be a non-empty string/],
    [{ type: 'highlight', selector: 'p'.repeat(501) }, /selector must be at most 500/],
    [{ type: 'fill', selector: '#x' }, /needs a value or a field/],
    [{ type: 'fill', selector: '#x', field: 'age' }, /field must be one of name, email, phone/],
    [{ type: 'say', text: '' }, /text must be a non-empty string/],
    [{ type: 'ask', question: 'Q?', scope: 'has space' }, /scope must be a key/],
    [
      { type: 'ask', question: 'Q?', scope: 's', field: 'name', key: 'k' },
      /in a field or a key, not both/,
    ],
    ['navigate', /step must be an object/],
  ])('refuses %j', (step, problem) => {
    const checked = validateTaskStep(step);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.message).toMatch(problem);
  });
});

describe('validateActionPayload', () => {
  const action = {
    taskId: 'task-1',
    step: 2,
    label: 'Highlighting the Pro plan',
    type: 'highlight',
    selector: '#plan-pro',
  };

  it('accepts a page step with its task, index and label', () => {
    expect(validateActionPayload(action)).toEqual({ ok: true, value: action });
  });

  it('refuses server-side steps, a missing task id and a bad step', () => {
    expect(validateActionPayload({ ...action, type: 'say', text: 'hi' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/type must be one of navigate/),
    });
    expect(validateActionPayload({ ...action, taskId: undefined })).toMatchObject({ ok: false });
    expect(validateActionPayload({ ...action, step: -1 })).toMatchObject({ ok: false });
    expect(validateActionPayload({ ...action, selector: '' })).toMatchObject({ ok: false });
  });
});

describe('validateTaskInfo', () => {
  const info = {
    id: 'task-1',
    step: 1,
    status: 'held',
    label: 'Showing you our pricing',
    stepLabel: 'Highlighting the Pro plan',
    steps: 3,
  };

  it('accepts a task as restore reports it, and refuses an unknown status', () => {
    expect(validateTaskInfo(info)).toEqual({ ok: true, value: info });
    expect(validateTaskInfo({ ...info, status: 'done' })).toMatchObject({ ok: false });
  });
});

describe('session_init contact', () => {
  const init = { siteKey: 'acme', url: 'https://acme.test/', title: '' };

  it('keeps trimmed contact details and names the first bad one', () => {
    expect(validateSessionInit({ ...init, contact: { name: ' Ada ', phone: '' } })).toMatchObject({
      ok: true,
      value: { contact: { name: 'Ada' } },
    });
    expect(validateSessionInit({ ...init, contact: { email: 'nope' } })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^contact\.email must be/),
    });
    expect(validateSessionInit(init)).toMatchObject({ ok: true });
  });
});
