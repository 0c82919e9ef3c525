// areas.js — the area tree (GET /api/v1/areas, ?parent=CODE, ?q=) and one area's details
// with its code history (GET /api/v1/areas/{code}). The tree is an ARIA tree: arrow keys
// move, Right/Left open and close, Enter opens the details; loaded children and open
// branches are kept while the console runs, so moving between areas does not reload them.
import * as api from '../api.js';
import { fmtDate, fmtDateTime, label, t } from '../i18n.js';
import { clear, errorBlock, h, pageTitle } from '../ui.js';

const children = new Map(); // parent code ('' = top) → items
const expanded = new Set();
let focusCode = null; // the tree item to focus after re-rendering (keyboard selection)

async function childrenOf(code) {
  if (!children.has(code)) {
    const { items } = await api.getAll('/api/v1/areas', code ? { parent: code } : {});
    children.set(code, items);
  }
  return children.get(code);
}

export async function render({ main, params, app, isCurrent }) {
  const selected = params[0] ?? null;
  const treeCard = h('section', { class: 'card', 'aria-labelledby': 'tree-title' });
  const detailCard = h('section', { class: 'card', 'aria-live': 'polite' });
  clear(main, pageTitle(t('areas.title')), h('div', { class: 'split' }, treeCard, detailCard));

  let detail = null;
  if (selected) {
    try {
      detail = await api.get(`/api/v1/areas/${selected}`);
    } catch (e) {
      clear(detailCard, errorBlock(e));
    }
  }
  if (!isCurrent()) return;
  if (detail) for (const a of detail.ancestors) expanded.add(a.code);

  // --- search and tree ---
  const q = h('input', { type: 'search', id: 'area-q', placeholder: t('areas.search.placeholder'), autocomplete: 'off' });
  const results = h('div', {});
  const tree = h('ul', { role: 'tree', class: 'tree', 'aria-labelledby': 'tree-title' });
  const searchForm = h(
    'form',
    { role: 'search', class: 'field', style: 'margin-bottom:12px' },
    h('label', { for: 'area-q' }, t('areas.search')),
    h('div', { style: 'display:flex;gap:8px' }, q, h('button', { type: 'submit', class: 'btn' }, t('common.search'))),
  );
  searchForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const text = q.value.trim();
    if (!text) {
      clear(results);
      tree.hidden = false;
      return;
    }
    try {
      const { items } = await api.getAll('/api/v1/areas', { q: text }, 200);
      tree.hidden = true;
      clear(
        results,
        h('h3', { class: 'small muted', style: 'margin-bottom:6px' }, `${t('areas.results')} · ${t('common.count', { n: items.length })}`),
        items.length
          ? h(
              'ul',
              { class: 'near-list' },
              items.map((a) =>
                h('li', {}, h('a', { href: `/areas/${a.code}` }, a.name), h('span', { class: 'muted small' }, `${label('area.level', a.level)} · `, h('span', { class: 'code' }, a.code))),
              ),
            )
          : h('p', { class: 'empty' }, t('common.empty')),
        h('button', { type: 'button', class: 'btn btn-small', onclick: () => { q.value = ''; clear(results); tree.hidden = false; } }, t('common.back')),
      );
    } catch (e) {
      clear(results, errorBlock(e));
    }
  });
  clear(treeCard, h('h2', { id: 'tree-title', class: 'card-head' }, t('areas.tree')), searchForm, results, tree);

  const current = detail?.code ?? null;
  async function build(ul, parent, level) {
    for (const a of await childrenOf(parent)) {
      const open = a.children > 0 && expanded.has(a.code);
      const li = h('li', {
        role: 'treeitem',
        'aria-level': level,
        'aria-selected': a.code === current ? 'true' : 'false',
        'aria-expanded': a.children > 0 ? String(open) : null,
        tabindex: '-1',
        dataset: { code: a.code },
      });
      const toggle = h('span', { class: 'tree-toggle', 'aria-hidden': 'true' }, a.children > 0 ? '▶' : '');
      toggle.addEventListener('click', () => toggleItem(li, a, level));
      li.append(
        h(
          'div',
          { class: 'tree-row' },
          toggle,
          h(
            'span',
            { class: 'tree-label', onclick: () => select(a.code) },
            a.name,
            ' ',
            h('span', { class: 'tree-level' }, label('area.level', a.level)),
          ),
        ),
      );
      ul.append(li);
      if (open) {
        const group = h('ul', { role: 'group' });
        li.append(group);
        await build(group, a.code, level + 1);
      }
    }
  }
  async function toggleItem(li, a, level) {
    if (!(a.children > 0)) return;
    if (expanded.has(a.code)) {
      expanded.delete(a.code);
      li.setAttribute('aria-expanded', 'false');
      li.querySelector(':scope > ul')?.remove();
    } else {
      expanded.add(a.code);
      li.setAttribute('aria-expanded', 'true');
      const group = h('ul', { role: 'group' });
      li.append(group);
      await build(group, a.code, level + 1);
    }
  }
  function select(code) {
    focusCode = code;
    app.navigate(`/areas/${code}`);
  }
  try {
    await build(tree, '', 1);
  } catch (e) {
    clear(tree, errorBlock(e));
  }
  if (!isCurrent()) return;
  // Roving tabindex: one item is in the tab order (the selected one, or the first).
  const items = () => [...tree.querySelectorAll('[role=treeitem]')].filter((el) => el.offsetParent !== null);
  const first = tree.querySelector('[aria-selected=true]') ?? tree.querySelector('[role=treeitem]');
  first?.setAttribute('tabindex', '0');
  if (focusCode) {
    tree.querySelector(`[data-code="${focusCode}"]`)?.focus();
    focusCode = null;
  }
  tree.addEventListener('focusin', (ev) => {
    const li = ev.target.closest('[role=treeitem]');
    if (!li) return;
    for (const el of tree.querySelectorAll('[role=treeitem][tabindex="0"]')) if (el !== li) el.setAttribute('tabindex', '-1');
    li.setAttribute('tabindex', '0');
  });
  tree.addEventListener('keydown', async (ev) => {
    const li = ev.target.closest('[role=treeitem]');
    if (!li) return;
    const all = items();
    const i = all.indexOf(li);
    const code = li.dataset.code;
    const level = Number(li.getAttribute('aria-level'));
    const parentCode = li.parentElement.closest('[role=treeitem]')?.dataset.code ?? '';
    const a = (await childrenOf(parentCode)).find((x) => x.code === code);
    const isOpen = li.getAttribute('aria-expanded') === 'true';
    let handled = true;
    switch (ev.key) {
      case 'ArrowDown':
        all[i + 1]?.focus();
        break;
      case 'ArrowUp':
        all[i - 1]?.focus();
        break;
      case 'Home':
        all[0]?.focus();
        break;
      case 'End':
        all[all.length - 1]?.focus();
        break;
      case 'ArrowRight':
        if (a?.children > 0 && !isOpen) await toggleItem(li, a, level);
        else if (isOpen) li.querySelector('[role=treeitem]')?.focus();
        break;
      case 'ArrowLeft':
        if (isOpen) await toggleItem(li, a, level);
        else li.parentElement.closest('[role=treeitem]')?.focus();
        break;
      case 'Enter':
      case ' ':
        select(code);
        break;
      default:
        handled = false;
    }
    if (handled) ev.preventDefault();
  });

  // --- details ---
  if (!selected) {
    clear(detailCard, h('p', { class: 'empty' }, t('areas.pick')));
    return;
  }
  if (!detail) return;
  const parent = detail.ancestors[detail.ancestors.length - 1];
  clear(
    detailCard,
    h(
      'nav',
      { class: 'breadcrumb', 'aria-label': t('areas.path') },
      h('ol', {}, detail.ancestors.map((x) => h('li', {}, h('a', { href: `/areas/${x.code}` }, x.name))), h('li', { 'aria-current': 'page' }, detail.name)),
    ),
    h(
      'div',
      { class: 'card-head' },
      h('h2', {}, detail.name, ' ', h('span', { class: 'tag' }, label('area.level', detail.level))),
      app.hasPerm('facility.read') ? h('a', { class: 'btn btn-small', href: `/facilities?area=${detail.code}` }, t('areas.facilities')) : null,
    ),
    selected !== detail.code ? h('p', { class: 'notice notice-info' }, t('areas.formerly', { code: selected })) : null,
    h(
      'dl',
      { class: 'props' },
      prop(t('areas.code'), h('span', { class: 'code' }, detail.code)),
      prop(t('areas.level'), label('area.level', detail.level)),
      prop(t('areas.parent'), parent ? h('a', { href: `/areas/${parent.code}` }, parent.name) : t('common.none')),
      prop(t('areas.children'), String(detail.children)),
      prop(t('areas.updated'), fmtDateTime(detail.updated_at)),
    ),
    h('h3', { style: 'margin:20px 0 8px' }, t('areas.history')),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table' },
        h(
          'thead',
          {},
          h('tr', {}, h('th', { scope: 'col' }, t('areas.code')), h('th', { scope: 'col' }, t('areas.name')), h('th', { scope: 'col' }, t('areas.history.from')), h('th', { scope: 'col' }, t('areas.history.to')), h('th', { scope: 'col' }, t('areas.history.reason'))),
        ),
        h(
          'tbody',
          {},
          [...detail.history].reverse().map((x) =>
            h(
              'tr',
              {},
              h('td', { class: 'code nowrap' }, x.code),
              h('td', {}, x.name),
              h('td', { class: 'nowrap' }, fmtDate(x.valid_from)),
              h('td', { class: 'nowrap' }, x.valid_to ? fmtDate(x.valid_to) : h('span', { class: 'tag tag-ok' }, t('areas.history.current'))),
              h('td', {}, reasonText(x.reason)),
            ),
          ),
        ),
      ),
    ),
  );
}

function prop(name, value) {
  return h('div', {}, h('dt', {}, name), h('dd', {}, value));
}

function reasonText(r) {
  if (r === 'created') return t('fac.history.created');
  return r || t('common.none');
}
