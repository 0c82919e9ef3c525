// placeholder.js — a module in the menu whose console page has not been written yet.
import { getLang, t } from '../i18n.js';
import { clear, h } from '../ui.js';

export async function render({ main, params, app }) {
  const m = app.menu.find((x) => x.module === params[0]);
  const title = m ? (getLang() === 'zh' ? m.title_zh : m.title_en) : params[0];
  clear(main, h('section', { class: 'card empty-page' }, h('h1', { tabindex: '-1', id: 'page-title' }, title), h('p', {}, t('common.soon'))));
}
