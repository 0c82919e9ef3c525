// facility-form.js — create (POST /api/v1/facilities) and edit (PATCH …/{id} with If-Match)
// a facility. The server validates; the form puts the API's error beside the field its
// `field` names — `beds`, `campuses[1].departments[0].name` — via each input's data-field.
// An edit sends only the fields that changed (campuses and capabilities as whole lists).
import * as api from '../api.js';
import { codes, label, t } from '../i18n.js';
import { clear, clearFormErrors, errorBlock, field, h, nextId, pageTitle, select, showFormError, toast } from '../ui.js';
import { areaPicker } from './facilities.js';

const SCHEMA_CREATE = 'FacilityCreate';
const SCHEMA_UPDATE = 'FacilityUpdate';

export async function render({ main, params, app, isCurrent }) {
  const id = params[0] ?? null;
  let doc = null;
  let etag = null;
  if (id) {
    const r = await api.getWithEtag(`/api/v1/facilities/${id}`);
    doc = r.data;
    etag = r.etag;
  }
  const picker = await areaPicker(doc?.area.code ?? null);
  if (!isCurrent()) return;
  const schema = id ? SCHEMA_UPDATE : SCHEMA_CREATE;

  // ---- inputs (each with the JSON path the API names in errors) ----
  const input = (path, attrs = {}) => h('input', { type: 'text', id: nextId('in'), 'data-field': path, ...attrs });
  const name = input('name', { value: doc?.name ?? '', autocomplete: 'off' });
  const level = select(codes('facility.level').map((c) => [c, label('facility.level', c)]), doc?.level ?? '', { 'data-field': 'level' }, '—');
  const grade = select(codes('facility.grade').map((c) => [c, label('facility.grade', c)]), doc?.grade ?? '', { 'data-field': 'grade' }, t('common.none'));
  const type = select(codes('facility.type').map((c) => [c, label('facility.type', c)]), doc?.type ?? '', { 'data-field': 'type' }, '—');
  const areaCode = input('area_code', { value: doc?.area.code ?? '', inputmode: 'numeric', maxlength: 12, class: 'code', autocomplete: 'off' });
  const areaName = h('p', { class: 'field-hint area-name', 'aria-live': 'polite' }, doc ? `${doc.area.name}` : '');
  picker.el.addEventListener('change', () => {
    const v = picker.value();
    if (v) {
      areaCode.value = v;
      lookupArea();
    }
  });
  async function lookupArea() {
    const v = areaCode.value.trim();
    if (!/^\d{12}$/.test(v)) return clear(areaName);
    try {
      const a = await api.get(`/api/v1/areas/${v}`);
      clear(areaName, [...a.ancestors.map((x) => x.name), a.name].join(' / '));
    } catch {
      clear(areaName);
    }
  }
  areaCode.addEventListener('change', lookupArea);
  if (doc) lookupArea();
  const address = input('address', { value: doc?.address ?? '' });
  const lat = input('lat', { value: doc?.lat ?? '', inputmode: 'decimal' });
  const lon = input('lon', { value: doc?.lon ?? '', inputmode: 'decimal' });
  const beds = input('beds', { value: doc?.beds ?? '', inputmode: 'numeric', name: 'beds' });
  const phone = input('phone', { type: 'tel', value: doc?.phone ?? '', autocomplete: 'off' });
  const capBoxes = codes('facility.capabilities').map((c) =>
    h('input', { type: 'checkbox', value: c, checked: doc?.capabilities.includes(c) ?? false }),
  );
  // Level, grade, type and capabilities are the commission's accreditation: others see them
  // but cannot change them (the API would answer 403 on those fields).
  const canAccredit = !id || app.hasPerm('facility.accredit');
  if (!canAccredit) for (const el of [level, grade, type, ...capBoxes]) el.disabled = true;
  const caps = h(
    'fieldset',
    { 'data-field': 'capabilities', tabindex: '-1' },
    h('legend', {}, t('fac.capabilities')),
    h('div', { class: 'checks' }, capBoxes.map((b) => h('label', { class: 'check' }, b, label('facility.capabilities', b.value)))),
  );

  // ---- campuses: a list model re-drawn on add/remove so paths stay campuses[i]… ----
  let campusModel = (doc?.campuses ?? []).map((c) => ({ ...c, departments: c.departments.map((d) => ({ ...d })) }));
  const campusBox = h('div', { 'data-field': 'campuses', tabindex: '-1' });
  function readCampuses() {
    campusModel = [...campusBox.querySelectorAll('.campus')].map((el) => ({
      name: el.querySelector('[data-role=c-name]').value,
      address: el.querySelector('[data-role=c-address]').value,
      lat: el.querySelector('[data-role=c-lat]').value,
      lon: el.querySelector('[data-role=c-lon]').value,
      departments: [...el.querySelectorAll('.dept-row:not(.dept-head)')].map((r) => ({
        name: r.querySelector('[data-role=d-name]').value,
        code: r.querySelector('[data-role=d-code]').value,
      })),
    }));
  }
  function drawCampuses(focusPath) {
    clear(
      campusBox,
      campusModel.map((c, i) => {
        const p = `campuses[${i}]`;
        const depts = h(
          'div',
          { 'data-field': `${p}.departments`, tabindex: '-1', class: 'dept-list' },
          c.departments.length
            ? h('div', { class: 'dept-row dept-head', 'aria-hidden': 'true' }, h('span', {}, t('fac.dept.name')), h('span', {}, t('fac.dept.code')), h('span', {}))
            : null,
          c.departments.map((d, j) => {
            const n = `${t('fac.departments')} ${j + 1}`;
            return h(
              'div',
              { class: 'dept-row' },
              h('div', { class: 'field' }, input(`${p}.departments[${j}].name`, { value: d.name ?? '', 'data-role': 'd-name', 'aria-label': `${n} · ${t('fac.dept.name')}` })),
              h('div', { class: 'field' }, input(`${p}.departments[${j}].code`, { value: d.code ?? '', 'data-role': 'd-code', class: 'code', 'aria-label': `${n} · ${t('fac.dept.code')}` })),
              h(
                'button',
                { type: 'button', class: 'btn btn-small btn-ghost', 'aria-label': `${t('fac.dept.remove')} ${j + 1}`, title: t('fac.dept.remove'), onclick: () => edit(() => campusModel[i].departments.splice(j, 1), `${p}.departments`) },
                '✕',
              ),
            );
          }),
        );
        return h(
          'fieldset',
          { class: 'campus' },
          h('legend', {}, t('fac.campus', { n: i + 1 })),
          h(
            'div',
            { class: 'form-grid' },
            field(t('fac.campus.name'), input(`${p}.name`, { value: c.name ?? '', 'data-role': 'c-name' }), { required: true }),
            field(t('fac.address'), input(`${p}.address`, { value: c.address ?? '', 'data-role': 'c-address' })),
            field(t('fac.lat'), input(`${p}.lat`, { value: c.lat ?? '', 'data-role': 'c-lat', inputmode: 'decimal' })),
            field(t('fac.lon'), input(`${p}.lon`, { value: c.lon ?? '', 'data-role': 'c-lon', inputmode: 'decimal' })),
          ),
          h('h4', { class: 'field-label', style: 'margin:12px 0 6px' }, t('fac.departments')),
          depts,
          h(
            'div',
            { class: 'campus-head' },
            h('button', { type: 'button', class: 'btn btn-small', onclick: () => edit(() => campusModel[i].departments.push({ name: '', code: '' }), `${p}.departments[${c.departments.length}].name`) }, `＋ ${t('fac.dept.add')}`),
            h('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: () => edit(() => campusModel.splice(i, 1), 'campuses') }, t('fac.campus.remove', { n: i + 1 })),
          ),
        );
      }),
      h('button', { type: 'button', class: 'btn', onclick: () => edit(() => campusModel.push({ name: '', address: '', lat: '', lon: '', departments: [] }), `campuses[${campusModel.length}].name`) }, `＋ ${t('fac.campus.add')}`),
    );
    if (focusPath) campusBox.querySelector(`[data-field="${CSS.escape(focusPath)}"]`)?.focus();
  }
  function edit(change, focusPath) {
    readCampuses();
    change();
    drawCampuses(focusPath);
  }
  drawCampuses();

  const codeField = field(t('areas.code'), areaCode, { required: true, hint: t('fac.areacode.hint') });
  codeField.append(areaName);

  // ---- the form ----
  const summary = h('div', { class: 'form-summary', role: 'alert', tabindex: '-1' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'save' }, t('common.save'));
  const form = h(
    'form',
    { novalidate: true, 'aria-labelledby': 'page-title' },
    summary,
    h(
      'fieldset',
      {},
      h('legend', {}, t('fac.basic')),
      h(
        'div',
        { class: 'form-grid' },
        field(t('fac.name'), name, { required: true, wide: true }),
        field(t('fac.type'), type, { required: true }),
        field(t('fac.level'), level, { required: true }),
        field(t('fac.grade'), grade, { hint: canAccredit ? null : t('fac.accredit.hint') }),
        field(t('fac.beds'), beds),
        h('div', { class: 'field field-wide' }, h('span', { class: 'field-label', id: 'pick-label' }, t('fac.area')), picker.el),
        codeField,
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, t('fac.contact')),
      h(
        'div',
        { class: 'form-grid' },
        field(t('fac.address'), address, { wide: true }),
        field(t('fac.lat'), lat, { hint: '−90 … 90' }),
        field(t('fac.lon'), lon, { hint: '−180 … 180' }),
        field(t('fac.phone'), phone, { hint: t('fac.phone.hint') }),
      ),
    ),
    caps,
    h('fieldset', {}, h('legend', {}, t('fac.campuses')), campusBox),
    h('div', { class: 'form-actions' }, h('a', { class: 'btn', href: id ? `/facilities/${id}` : '/facilities' }, t('common.cancel')), save),
  );
  picker.el.setAttribute('role', 'group');
  picker.el.setAttribute('aria-labelledby', 'pick-label');

  // Numbers go as numbers when they are numbers; anything else goes as typed, and the
  // server's invalid_type answer is shown beside the field.
  const num = (v) => {
    const s = String(v).trim();
    if (s === '') return null;
    return /^[-+]?\d+(\.\d+)?$/.test(s) ? Number(s) : s;
  };
  const str = (v) => (String(v).trim() === '' ? null : String(v).trim());
  function gather() {
    readCampuses();
    return {
      name: str(name.value),
      level: level.value || null,
      grade: grade.value || null,
      type: type.value || null,
      area_code: str(areaCode.value),
      address: str(address.value),
      lat: num(lat.value),
      lon: num(lon.value),
      beds: num(beds.value),
      phone: str(phone.value),
      capabilities: capBoxes.filter((b) => b.checked).map((b) => b.value),
      campuses: campusModel.map((c) => ({
        name: str(c.name),
        address: str(c.address),
        lat: num(c.lat),
        lon: num(c.lon),
        departments: c.departments.map((d) => ({ name: str(d.name), code: str(d.code) })),
      })),
    };
  }
  /* What an edit sends: the fields that differ from the document as loaded. */
  function changes(body) {
    const before = {
      name: doc.name,
      level: doc.level,
      grade: doc.grade,
      type: doc.type,
      area_code: doc.area.code,
      address: doc.address,
      lat: doc.lat,
      lon: doc.lon,
      beds: doc.beds,
      phone: doc.phone,
      capabilities: doc.capabilities,
      campuses: doc.campuses,
    };
    const out = {};
    for (const [k, v] of Object.entries(body)) if (JSON.stringify(v) !== JSON.stringify(before[k])) out[k] = v;
    if (out.campuses) out.campuses = compactCampuses(out.campuses);
    return out;
  }
  /* For a create: drop empty optional fields (absent is the same as null). */
  function compact(body) {
    const out = {};
    for (const [k, v] of Object.entries(body)) if (v !== null && !(Array.isArray(v) && v.length === 0)) out[k] = v;
    if (out.campuses) out.campuses = compactCampuses(out.campuses);
    return out;
  }
  /* Campuses and departments without their empty optional fields. */
  function compactCampuses(list) {
    const drop = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null));
    return list.map((c) => ({ ...drop(c), departments: c.departments.map(drop) }));
  }

  let lastKey = null;
  let lastBody = null;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFormErrors(form);
    const body = id ? changes(gather()) : compact(gather());
    if (id && !Object.keys(body).length) {
      app.navigate(`/facilities/${id}`);
      return;
    }
    save.disabled = true;
    try {
      let r;
      if (id) {
        r = await api.request('PATCH', `/api/v1/facilities/${id}`, { body, headers: { 'If-Match': etag } });
        toast(t('fac.saved', { name: r.data.name, v: r.data.version }));
      } else {
        // The same body resubmitted (a retry) keeps its Idempotency-Key: one facility, not two.
        const text = JSON.stringify(body);
        if (text !== lastBody) {
          lastBody = text;
          lastKey = api.newIdempotencyKey();
        }
        r = await api.request('POST', '/api/v1/facilities', { body, headers: { 'Idempotency-Key': lastKey } });
        toast(t('fac.created.ok', { name: r.data.name }));
      }
      app.navigate(`/facilities/${r.data.id}`, { replace: true });
    } catch (e) {
      save.disabled = false;
      if (e.code === 'stale_version') {
        clear(summary, t('fac.stale'), ' ', h('button', { type: 'button', class: 'btn btn-small', onclick: () => app.rerender() }, t('fac.reload')));
        summary.focus();
      } else if (e.code === 'network' || e.status >= 500) {
        clear(summary, errorBlock(e));
        summary.focus();
      } else {
        showFormError(form, e, schema);
      }
    }
  });

  clear(
    main,
    h(
      'nav',
      { class: 'breadcrumb', 'aria-label': t('fac.title') },
      h('ol', {}, h('li', {}, h('a', { href: '/facilities' }, t('fac.title'))), doc ? h('li', {}, h('a', { href: `/facilities/${doc.id}` }, doc.name)) : null, h('li', { 'aria-current': 'page' }, doc ? t('common.edit') : t('fac.new'))),
    ),
    pageTitle(doc ? t('fac.edit.title', { name: doc.name }) : t('fac.create.title')),
    h('section', { class: 'card' }, form),
  );
  name.focus();
}
