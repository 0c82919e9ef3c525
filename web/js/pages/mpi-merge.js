// mpi-merge.js — merge two persons by hand (POST /api/v1/mpi/merge {keep, merge, reason}):
// pick each side by number or by a name search, see both before deciding, say why. Merges
// change links only: the person page's 撤销合并 undoes one exactly.
import * as api from '../api.js';
import { fmtPhone, getLang, t } from '../i18n.js';
import { clear, clearFormErrors, confirmDialog, errorBlock, errorText, field, h, pageTitle, toast } from '../ui.js';
import { fmtDay, identLabel, mpiTabs, personCard, personFinder, sexLabel, showMpiError } from './mpi-common.js';

export async function render({ main, query, app }) {
  const sides = {
    keep: side('keep', t('mpi.merge.keep'), t('mpi.merge.keep.hint'), query.get('keep')),
    merge: side('merge', t('mpi.merge.merge'), t('mpi.merge.merge.hint'), query.get('merge')),
  };
  const reason = h('textarea', { 'data-field': 'reason', rows: 3, maxlength: 500, 'data-testid': 'merge-reason' });
  const summary = h('div', { class: 'form-summary', role: 'alert', tabindex: '-1' });
  const submit = h('button', { type: 'submit', class: 'btn btn-danger', 'data-testid': 'merge-submit' }, t('mpi.merge.submit'));
  const swap = h('button', { type: 'button', class: 'btn', title: t('mpi.merge.swap') }, `⇄ ${t('mpi.merge.swap')}`);
  swap.addEventListener('click', () => {
    const a = sides.keep.input.value;
    sides.keep.input.value = sides.merge.input.value;
    sides.merge.input.value = a;
    sides.keep.load();
    sides.merge.load();
  });
  const form = h(
    'form',
    { novalidate: true, 'aria-labelledby': 'page-title', 'data-testid': 'merge-form' },
    summary,
    h('div', { class: 'grid-2' }, sides.keep.el, sides.merge.el),
    h('div', { class: 'merge-swap' }, swap),
    h('div', { class: 'form-grid' }, field(t('mpi.reason'), reason, { required: true, wide: true, hint: t('mpi.merge.reason.hint') })),
    h('div', { class: 'form-actions' }, h('a', { class: 'btn', href: '/persons' }, t('common.cancel')), submit),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFormErrors(form);
    const body = { keep: sides.keep.input.value.trim(), merge: sides.merge.input.value.trim(), reason: reason.value.trim() };
    // Two records that disagree on sex or birth date are rarely one person: say so first.
    const a = sides.keep.person();
    const b = sides.merge.person();
    if (a && b && a.id !== b.id) {
      const diffs = [];
      if (a.sex !== b.sex) diffs.push(`${t('mpi.sex')} ${sexLabel(a.sex)} / ${sexLabel(b.sex)}`);
      if (a.birth_date !== b.birth_date) diffs.push(`${t('mpi.birth_date')} ${fmtDay(a.birth_date)} / ${fmtDay(b.birth_date)}`);
      if (diffs.length && !(await confirmDialog(t('mpi.merge.differ', { diffs: diffs.join(getLang() === 'zh' ? '；' : '; ') }), t('mpi.merge.submit'), { danger: true }))) return;
    }
    submit.disabled = true;
    try {
      const r = await api.request('POST', '/api/v1/mpi/merge', { body });
      toast(t('mpi.merged', { name: r.data.person.name }));
      app.navigate(`/persons/${r.data.person.id}`);
    } catch (e) {
      submit.disabled = false;
      if (e.code === 'network' || e.status >= 500) {
        clear(summary, errorText(e));
        summary.focus();
      } else showMpiError(form, e, 'PersonMerge');
    }
  });
  clear(main, pageTitle(t('mpi.merge.title')), mpiTabs('merge', app), h('section', { class: 'card' }, h('p', { class: 'muted', style: 'margin-top:0' }, t('mpi.merge.intro')), form));
  await Promise.all([sides.keep.load(), sides.merge.load()]);
}

/* One side: the person number (data-field keep/merge), a finder, and the person as loaded. */
function side(name, title, hint, initial) {
  const input = h('input', { type: 'text', 'data-field': name, class: 'code', inputmode: 'numeric', autocomplete: 'off', value: initial ?? '', 'data-testid': `merge-${name}` });
  const view = h('div', { class: 'merge-view', 'aria-live': 'polite' });
  let seq = 0;
  let loaded = null;
  async function load() {
    const id = input.value.trim();
    const n = ++seq;
    loaded = null;
    if (!/^\d+$/.test(id)) return clear(view, h('p', { class: 'muted small' }, t('mpi.merge.pick')));
    clear(view, h('p', { class: 'muted small' }, t('app.loading')));
    try {
      const p = await api.get(`/api/v1/persons/${id}`);
      if (n !== seq) return;
      if (p.id !== id) input.value = p.id;
      loaded = p;
      clear(
        view,
        personCard(p),
        h(
          'ul',
          { class: 'plain small' },
          h('li', {}, `${t('mpi.phone')}：${p.phone ? fmtPhone(p.phone) : t('common.none')}`),
          h('li', {}, `${t('mpi.address')}：${p.address ?? t('common.none')}`),
          (p.identifiers ?? []).map((i) => h('li', {}, `${identLabel(i.type)}：`, h('span', { class: 'code' }, i.value))),
          h('li', {}, t('mpi.records.n', { n: p.records?.length ?? 0 })),
        ),
      );
    } catch (e) {
      if (n === seq) clear(view, errorBlock(e));
    }
  }
  input.addEventListener('change', load);
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault(); // not the merge itself
      load();
    }
  });
  const finder = personFinder(
    (p) => {
      input.value = p.id;
      load();
    },
    { label: t('mpi.finder') },
  );
  const el = h(
    'fieldset',
    { class: `merge-side merge-${name}` },
    h('legend', {}, title),
    h('p', { class: 'field-hint', style: 'margin-top:0' }, hint),
    field(t('mpi.id'), input),
    finder,
    view,
  );
  return { el, input, load, person: () => loaded };
}
