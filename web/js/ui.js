// ui.js — small DOM helpers shared by the pages: element building (text only, never HTML
// from data), notices read out by screen readers, a confirm dialog, field-level error
// messages, paging, and loading the vendored scripts on first use.
import { fieldMap } from './api.js';
import { fieldSchema, t } from './i18n.js';

/**
 * h('button', {class: 'btn', onclick: fn, 'aria-label': '…'}, 'text', child, …) → element.
 * Strings become text nodes; null/false children are skipped; arrays are flattened.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let uid = 0;
export function nextId(prefix = 'f') {
  return `${prefix}-${++uid}`;
}

// ---- notices ----

/** A short notice at the top right, announced to screen readers (polite, or assertive for errors). */
export function toast(text, kind = 'ok') {
  const box = document.getElementById('toasts');
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
  box.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}

/** The message for an API error, in the current language. */
export function errorText(err, schemaName) {
  if (!err) return '';
  if (err.code === 'network') return t('err.network');
  if (err.field && schemaName) return fieldMessage(err, schemaName);
  return t(`err.${err.code}`) || err.message;
}

/* What to say beside a field: the code, made precise with the field's schema (its range,
 * length or format) where the API's own message is the English one for developers. */
function fieldMessage(err, schemaName) {
  const path = err.field;
  const leaf = path.split('.').pop().replace(/\[\d+\]$/, '');
  const s = fieldSchema(schemaName, path);
  if (err.code === 'missing_field') return t('err.missing_field');
  if (err.code === 'unknown_reference' && leaf === 'area_code') return t('err.unknown_reference.area_code');
  if (err.code === 'conflict' && leaf === 'name') return t('err.conflict.name');
  if (err.code === 'invalid_value' || err.code === 'invalid_type') {
    if (/repeat|twice|duplicate|distinct/i.test(err.message)) return t('err.duplicate');
    if (leaf === 'grade' && /level|unrated|rated/i.test(err.message)) return t('err.grade');
    if ((leaf === 'lat' || leaf === 'lon') && /together|both|neither|missing/i.test(err.message)) return t('err.latlon');
    if (s?.format === 'wj-phone') return t('err.phone');
    if (s?.format === 'wj-area-code') return t('err.areacode');
    if (s?.type === 'integer' && err.code === 'invalid_type') return t('err.integer');
    if ((s?.type === 'integer' || s?.type === 'number') && s.minimum !== undefined)
      return t('err.range', { min: s.minimum, max: s.maximum });
    if (s?.type === 'string' && s.maxLength !== undefined && !s.enum)
      return t('err.length', { min: s.minLength ?? 0, max: s.maxLength });
  }
  return t(`err.${err.code}`) || err.message;
}

/**
 * Shows an API error in a form: beside the input whose data-field is the error's field (its
 * JSON path), marked aria-invalid and described by the message, focused; otherwise in the
 * form's summary. Returns true when a field took the message.
 */
export function showFormError(form, err, schemaName) {
  clearFormErrors(form);
  const summary = form.querySelector('.form-summary');
  const fields = fieldMap(err);
  for (const [path, e] of Object.entries(fields)) {
    const input = fieldElement(form, path);
    if (!input) continue;
    if (!input.id) input.id = nextId();
    const msg = h('p', { class: 'field-error', id: `${input.id}-error` }, errorText(e, schemaName));
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), msg.id].filter(Boolean).join(' '));
    (input.closest('.field') ?? input.parentElement).append(msg);
    input.closest('.field')?.classList.add('has-error');
    if (summary) clear(summary, t('fac.form.invalid'));
    input.focus();
    return true;
  }
  if (summary) clear(summary, errorText(err, schemaName));
  summary?.focus();
  return false;
}

/* The element for a JSON path, or for the nearest enclosing path that has one
 * (capabilities[2] → the capabilities group; campuses[0].departments → campus 0's list). */
function fieldElement(form, path) {
  for (let p = path; p; p = p.replace(/(\[\d+\]|\.[^.[]+)$/, '')) {
    const el = form.querySelector(`[data-field="${CSS.escape(p)}"]`);
    if (el) return el;
    if (!/(\[\d+\]|\.[^.[]+)$/.test(p)) break;
  }
  return null;
}

export function clearFormErrors(form) {
  for (const m of form.querySelectorAll('.field-error')) {
    const input = form.querySelector(`[aria-describedby~="${m.id}"]`);
    if (input) {
      const rest = input.getAttribute('aria-describedby').split(' ').filter((x) => x !== m.id);
      if (rest.length) input.setAttribute('aria-describedby', rest.join(' '));
      else input.removeAttribute('aria-describedby');
    }
    m.remove();
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.has-error')) el.classList.remove('has-error');
  const summary = form.querySelector('.form-summary');
  if (summary) clear(summary);
}

/** An error block for a failed page load, with a retry button. */
export function errorBlock(err, retry) {
  return h(
    'div',
    { class: 'notice notice-error', role: 'alert' },
    h('strong', {}, t('common.error')),
    ' ',
    errorText(err),
    retry ? h('button', { type: 'button', class: 'btn btn-small', onclick: retry }, t('common.retry')) : null,
  );
}

// ---- dialogs ----

/** A modal confirm (native <dialog>: focus trapped, Esc cancels). Resolves true on OK. */
export function confirmDialog(text, okLabel, { danger = false } = {}) {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'submit', value: 'ok', class: danger ? 'btn btn-danger' : 'btn btn-primary' }, okLabel);
    const dlg = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': 'dlg-text' },
      h(
        'form',
        { method: 'dialog' },
        h('p', { id: 'dlg-text' }, text),
        h('div', { class: 'dialog-actions' }, h('button', { type: 'submit', value: 'cancel', class: 'btn' }, t('common.cancel')), ok),
      ),
    );
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'ok');
      dlg.remove();
    });
    document.body.append(dlg);
    dlg.showModal();
    ok.focus();
  });
}

// ---- inputs ----

/** A labelled field: label above, the control, an optional hint. Returns the wrapper. */
export function field(labelText, control, { hint, required, wide } = {}) {
  if (!control.id) control.id = nextId();
  const hintEl = hint ? h('p', { class: 'field-hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  if (required) control.setAttribute('aria-required', 'true');
  return h(
    'div',
    { class: `field${wide ? ' field-wide' : ''}` },
    h('label', { for: control.id }, labelText, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    control,
    hintEl,
  );
}

/** A <select> of codes with their labels; `empty` adds a first option with value "". */
export function select(options, value, attrs = {}, empty) {
  const el = h('select', attrs);
  if (empty !== undefined) el.append(h('option', { value: '' }, empty));
  for (const [v, text] of options) el.append(h('option', { value: v, selected: v === value }, text));
  if (value !== undefined && value !== null) el.value = value;
  return el;
}

// ---- paging ----

/**
 * Cursor paging: keeps the cursors of the pages seen, so "previous" works too.
 * onPage(cursor) loads a page and returns its next_cursor.
 */
export function pager(onPage) {
  const stack = [undefined];
  let next = null;
  const info = h('span', { class: 'pager-info', 'aria-live': 'polite' });
  const prevBtn = h('button', { type: 'button', class: 'btn btn-small', onclick: () => go(-1) }, t('common.prev'));
  const nextBtn = h('button', { type: 'button', class: 'btn btn-small', onclick: () => go(1) }, t('common.next'));
  const el = h('nav', { class: 'pager', 'aria-label': t('common.page', { n: '' }).trim() }, prevBtn, info, nextBtn);
  async function go(dir) {
    if (dir > 0 && next) stack.push(next);
    if (dir < 0 && stack.length > 1) stack.pop();
    await load();
  }
  async function load() {
    prevBtn.disabled = nextBtn.disabled = true;
    next = await onPage(stack[stack.length - 1]);
    prevBtn.disabled = stack.length <= 1;
    nextBtn.disabled = !next;
    info.textContent = t('common.page', { n: stack.length });
  }
  return {
    el,
    reload: load,
    reset() {
      stack.length = 1;
      return load();
    },
  };
}

// ---- vendored scripts, loaded on first use ----

const loaded = new Map();

export function loadScript(src) {
  if (!loaded.has(src))
    loaded.set(
      src,
      new Promise((resolve, reject) => {
        const s = h('script', { src });
        s.onload = resolve;
        s.onerror = () => reject(new Error(`cannot load ${src}`));
        document.head.append(s);
      }),
    );
  return loaded.get(src);
}

export function loadStyle(href) {
  if (!loaded.has(href))
    loaded.set(
      href,
      new Promise((resolve, reject) => {
        const l = h('link', { rel: 'stylesheet', href });
        l.onload = resolve;
        l.onerror = () => reject(new Error(`cannot load ${href}`));
        document.head.append(l);
      }),
    );
  return loaded.get(href);
}

export async function leaflet() {
  await Promise.all([loadStyle('/vendor/leaflet/leaflet.css'), loadScript('/vendor/leaflet/leaflet.js')]);
  return window.L;
}

export async function echarts() {
  await loadScript('/vendor/echarts/echarts.min.js');
  return window.echarts;
}

/** A page heading that takes focus after navigation (screen readers announce the new page). */
export function pageTitle(text, ...actions) {
  return h(
    'div',
    { class: 'page-head' },
    h('h1', { tabindex: '-1', id: 'page-title' }, text),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null,
  );
}
