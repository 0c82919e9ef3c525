// person-edit.js — edit a person's golden record: PATCH /api/v1/persons/{id} with If-Match
// (the ETag of the read), sending only the fields that changed; a cleared optional field
// is sent as null. A stale version (412) offers a reload; the API's error goes beside its
// field (e.g. birth_date when the ID number gives another).
import * as api from '../api.js';
import { t } from '../i18n.js';
import { clear, clearFormErrors, errorBlock, field, h, nextId, pageTitle, select, toast } from '../ui.js';
import { areaPicker } from './facilities.js';
import { SEXES, options, sexLabel, showMpiError } from './mpi-common.js';

const SCHEMA = 'PersonUpdate';

export async function render({ main, params, app, isCurrent }) {
  const r = await api.getWithEtag(`/api/v1/persons/${params[0]}`);
  const doc = r.data;
  const etag = r.etag;
  const picker = await areaPicker(doc.area_code ?? null);
  if (!isCurrent()) return;
  const input = (path, value, attrs = {}) => h('input', { type: 'text', id: nextId('in'), 'data-field': path, autocomplete: 'off', value: value ?? '', ...attrs });
  const name = input('name', doc.name, { maxlength: 40 });
  const former = input('former_names', (doc.former_names ?? []).join('、'), { placeholder: t('mpi.former.placeholder') });
  const sex = select(options(SEXES, sexLabel), doc.sex, { 'data-field': 'sex' });
  const birth = input('birth_date', doc.birth_date, { type: 'date' });
  const phone = input('phone', doc.phone, { type: 'tel', inputmode: 'tel' });
  const address = input('address', doc.address, { maxlength: 200 });
  const areaCode = input('area_code', doc.area_code, { inputmode: 'numeric', maxlength: 12, class: 'code' });
  const nationality = input('nationality', doc.nationality, { maxlength: 3, class: 'code', placeholder: 'CHN' });
  const deceased = input('deceased_date', doc.deceased_date, { type: 'date' });
  picker.el.addEventListener('change', () => {
    const v = picker.value();
    if (v) areaCode.value = v;
  });

  const summary = h('div', { class: 'form-summary', role: 'alert', tabindex: '-1' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'save' }, t('common.save'));
  const form = h(
    'form',
    { novalidate: true, 'aria-labelledby': 'page-title' },
    summary,
    h(
      'fieldset',
      {},
      h('legend', {}, t('mpi.basic')),
      h(
        'div',
        { class: 'form-grid' },
        field(t('mpi.name'), name, { required: true }),
        field(t('mpi.former'), former),
        field(t('mpi.sex'), sex, { required: true }),
        field(t('mpi.birth_date'), birth, { required: true }),
        field(t('mpi.phone'), phone, { hint: t('fac.phone.hint') }),
        field(t('mpi.nationality'), nationality, { hint: t('mpi.nationality.hint') }),
        field(t('mpi.deceased_date'), deceased),
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, t('mpi.address.legend')),
      h(
        'div',
        { class: 'form-grid' },
        field(t('mpi.address'), address, { wide: true }),
        h('div', { class: 'field field-wide' }, h('span', { class: 'field-label', id: 'pick-label' }, t('mpi.area')), picker.el),
        field(t('areas.code'), areaCode, { hint: t('mpi.area.hint') }),
      ),
    ),
    h('div', { class: 'form-actions' }, h('a', { class: 'btn', href: `/persons/${doc.id}` }, t('common.cancel')), save),
  );
  picker.el.setAttribute('role', 'group');
  picker.el.setAttribute('aria-labelledby', 'pick-label');

  const opt = (v) => (String(v ?? '').trim() === '' ? null : String(v).trim());
  function changes() {
    const now = {
      name: name.value.trim(),
      former_names: former.value
        .split(/[,，、;；]/)
        .map((x) => x.trim())
        .filter(Boolean),
      sex: sex.value,
      birth_date: birth.value,
      phone: opt(phone.value)?.replace(/\s/g, '') ?? null,
      address: opt(address.value),
      area_code: opt(areaCode.value),
      nationality: opt(nationality.value)?.toUpperCase() ?? null,
      deceased_date: opt(deceased.value),
    };
    const before = {
      name: doc.name,
      former_names: doc.former_names ?? [],
      sex: doc.sex,
      birth_date: doc.birth_date ?? '',
      phone: doc.phone ?? null,
      address: doc.address ?? null,
      area_code: doc.area_code ?? null,
      nationality: doc.nationality ?? null,
      deceased_date: doc.deceased_date ?? null,
    };
    const out = {};
    for (const [k, v] of Object.entries(now)) if (JSON.stringify(v) !== JSON.stringify(before[k])) out[k] = v;
    return out;
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFormErrors(form);
    const body = changes();
    if (!Object.keys(body).length) return app.navigate(`/persons/${doc.id}`);
    save.disabled = true;
    try {
      const res = await api.request('PATCH', `/api/v1/persons/${doc.id}`, { body, headers: { 'If-Match': etag } });
      toast(t('mpi.saved', { name: res.data.name }));
      app.navigate(`/persons/${doc.id}`, { replace: true });
    } catch (e) {
      save.disabled = false;
      if (e.code === 'stale_version') {
        clear(summary, t('mpi.stale'), ' ', h('button', { type: 'button', class: 'btn btn-small', onclick: () => app.rerender() }, t('fac.reload')));
        summary.focus();
      } else if (e.code === 'network' || e.status >= 500) {
        clear(summary, errorBlock(e));
        summary.focus();
      } else showMpiError(form, e, SCHEMA);
    }
  });

  clear(
    main,
    h(
      'nav',
      { class: 'breadcrumb', 'aria-label': t('mpi.title') },
      h('ol', {}, h('li', {}, h('a', { href: '/persons' }, t('mpi.search.title'))), h('li', {}, h('a', { href: `/persons/${doc.id}` }, doc.name)), h('li', { 'aria-current': 'page' }, t('common.edit'))),
    ),
    pageTitle(t('mpi.edit.title', { name: doc.name })),
    h('section', { class: 'card' }, form),
  );
  name.focus();
}
