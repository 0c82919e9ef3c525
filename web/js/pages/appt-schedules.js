// appt-schedules.js — 排班管理: a facility's schedules (GET /api/v1/schedules?facility=) with
// their weekly template and release rule, and the form that creates one (POST) or changes
// one (PATCH with If-Match): owner (a doctor, a department, an MDT team), fee class, the
// weekly template (weekday × period, start, end, minutes per slot) with the places of each
// period split into buckets (priority pool × channel), and the release rule. A rejected
// field is shown beside its input (the API names it by JSON path: template[1].buckets[0]…).
import * as api from '../api.js';
import { t } from '../i18n.js';
import { clear, errorBlock, field, h, pageTitle, select, showFormError, toast } from '../ui.js';
import { facilityPicker } from './mpi-common.js';
import {
  CHANNELS,
  PERIODS,
  POOLS,
  apptTabs,
  channelLabel,
  feeLabel,
  fmtDayW,
  ownerLabel,
  periodLabel,
  placePicker,
  poolLabel,
  weekdayLabel,
} from './appt-common.js';

const FEES = ['general', 'expert', 'special', 'mdt'];
const OWNERS = ['doctor', 'department', 'team'];

export async function render(ctx) {
  if (ctx.params[0]) return form(ctx, ctx.params[0] === 'new' ? null : ctx.params[0]);
  return list(ctx);
}

function templateText(tpl) {
  return tpl.map((x) => `${weekdayLabel(x.weekday)}${periodLabel(x.period)} ${x.start}–${x.end}（${x.buckets.reduce((a, b) => a + b.places, 0)}）`).join('、');
}

async function list({ main, app, query, isCurrent }) {
  const fac = facilityPicker(app, { 'aria-label': t('appt.facility'), 'data-field': 'facility' }, query.get('facility'), t('appt.choose.facility'));
  const facField = field(t('appt.facility'), fac.select, { wide: true });
  facField.querySelector('label').after(fac.search);
  const form = h('form', { class: 'filters', role: 'search' }, facField, h('div', { class: 'filter-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('common.search'))));
  const tbody = h('tbody', {});
  const cols = [t('appt.schedule.name'), t('appt.department'), t('appt.doctor'), t('appt.fee_class'), t('appt.schedule.template'), t('appt.schedule.release'), t('appt.schedule.generated_to'), ''];
  async function load() {
    const id = fac.value();
    if (!id) return clear(tbody, h('tr', {}, h('td', { colspan: cols.length, class: 'empty' }, t('appt.choose.facility'))));
    try {
      const { items } = await api.getAll('/api/v1/schedules', { facility: id }, 1000);
      clear(
        tbody,
        items.length
          ? items.map((s) =>
              h(
                'tr',
                { 'data-schedule': s.id },
                h('td', {}, h('strong', {}, s.name), h('div', { class: 'fac-sub' }, ownerLabel(s.owner))),
                h('td', {}, (s.departments ?? [s.department]).filter(Boolean).map((d) => d.name).join('、')),
                h('td', {}, (s.doctors ?? []).map((d) => d.name).join('、') || h('span', { class: 'muted' }, t('common.none'))),
                h('td', { class: 'nowrap' }, feeLabel(s.fee_class)),
                h('td', { class: 'small' }, templateText(s.template)),
                h('td', { class: 'small' }, t('appt.schedule.release.text', { d: s.release_days, t: s.release_time, h: s.release_back_hours })),
                h('td', { class: 'nowrap' }, s.generated_to ? fmtDayW(s.generated_to) : t('common.none')),
                h('td', { class: 'actions' }, app.hasPerm('appointment.schedule') ? h('a', { class: 'btn btn-small', href: `/appointments/schedules/${s.id}` }, t('common.edit')) : null),
              ),
            )
          : h('tr', {}, h('td', { colspan: cols.length, class: 'empty' }, t('appt.schedules.none'))),
      );
    } catch (e) {
      clear(tbody, h('tr', {}, h('td', { colspan: cols.length }, errorBlock(e, load))));
    }
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    app.navigate(`/appointments/schedules?facility=${fac.value()}`);
  });
  clear(
    main,
    pageTitle(t('appt.schedules.title'), app.hasPerm('appointment.schedule') ? h('a', { class: 'btn btn-primary', href: `/appointments/schedules/new${fac.value() ? `?facility=${fac.value()}` : ''}`, 'data-testid': 'schedule-new' }, `＋ ${t('appt.schedule.new')}`) : null),
    apptTabs('schedules', app),
    h('section', { class: 'card' }, form),
    h('section', { class: 'card' }, h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': 'schedule-table' }, h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))), tbody))),
  );
  await fac.ready;
  if (isCurrent()) await load();
}

/* ---- the form ---- */

function defaultItem() {
  return {
    weekday: 1,
    period: 'morning',
    start: '08:00',
    end: '11:30',
    slot_minutes: 15,
    buckets: [
      { pool: 'general', channel: 'online', places: 6 },
      { pool: 'general', channel: 'phone', places: 2 },
      { pool: 'general', channel: 'onsite', places: 4 },
      { pool: 'elderly', channel: 'onsite', places: 2 },
    ],
  };
}

async function form({ main, app, query, isCurrent }, id) {
  let s = null;
  let etag = null;
  if (id) {
    const r = await api.getWithEtag(`/api/v1/schedules/${id}`);
    s = r.data;
    etag = r.etag;
  }
  if (!isCurrent()) return;
  const model = s ? structuredClone(s.template) : [defaultItem()];
  const name = h('input', { type: 'text', value: s?.name ?? '', 'data-field': 'name', maxlength: 60, required: true });
  const fee = select(FEES.map((c) => [c, feeLabel(c)]), s?.fee_class ?? 'general', { 'data-field': 'fee_class' });
  const owner = select(OWNERS.map((c) => [c, ownerLabel(c)]), s?.owner ?? 'department', { 'data-field': 'owner', disabled: !!s });
  const relDays = h('input', { type: 'number', min: 0, max: 90, value: s?.release_days ?? 7, 'data-field': 'release_days' });
  const relTime = h('input', { type: 'time', value: s?.release_time ?? '08:00', 'data-field': 'release_time' });
  const relBack = h('input', { type: 'number', min: 0, max: 336, value: s?.release_back_hours ?? 24, 'data-field': 'release_back_hours' });
  const validFrom = h('input', { type: 'date', value: s?.valid_from ?? '', 'data-field': 'valid_from', disabled: !!s });
  const validTo = h('input', { type: 'date', value: s?.valid_to ?? '', 'data-field': 'valid_to' });

  // Where (create only): facility, department, doctor; a team's departments and doctors.
  let where = null;
  const teamDepts = h('select', { multiple: true, size: 6, 'data-field': 'departments' });
  const teamDocs = h('select', { multiple: true, size: 4, 'data-field': 'doctors' });
  const whereBox = h('div', { class: 'form-grid' });
  if (!s) {
    where = placePicker(app, {
      initial: { facility: query.get('facility') },
      onChange: () => {
        clear(teamDepts, where.state.departments.map((d) => h('option', { value: d.id }, `${d.name}（${d.campus}）`)));
        clear(teamDocs, where.state.doctors.map((d) => h('option', { value: d.id }, d.name)));
      },
    });
    where.fields[1].querySelector('select').dataset.field = 'department_id';
    where.fields[2].querySelector('select').dataset.field = 'doctor_id';
    const teamDeptField = field(t('appt.schedule.departments'), teamDepts);
    const teamDocField = field(t('appt.schedule.doctors'), teamDocs);
    const sync = () => {
      const o = owner.value;
      where.fields[1].hidden = o === 'team';
      where.fields[2].hidden = o !== 'doctor';
      teamDeptField.hidden = teamDocField.hidden = o !== 'team';
    };
    owner.addEventListener('change', sync);
    sync();
    clear(whereBox, ...where.fields, teamDeptField, teamDocField, field(t('appt.schedule.valid_from'), validFrom));
  }

  const tplBox = h('div', { class: 'appt-template', 'data-field': 'template' });
  function renderTemplate() {
    clear(
      tplBox,
      model.map((it, i) => {
        const p = `template[${i}]`;
        const bind = (el, key, num) => {
          el.addEventListener('input', () => (it[key] = num ? Number(el.value) : el.value));
          el.addEventListener('change', () => (it[key] = num ? Number(el.value) : el.value));
          return el;
        };
        const wd = bind(select([1, 2, 3, 4, 5, 6, 7].map((d) => [String(d), weekdayLabel(d)]), String(it.weekday), { 'data-field': `${p}.weekday` }), 'weekday', true);
        const per = bind(select(PERIODS.map((x) => [x, periodLabel(x)]), it.period, { 'data-field': `${p}.period` }), 'period');
        const legend = h('legend', {}, `${weekdayLabel(it.weekday)} ${periodLabel(it.period)} · ${t('appt.places')} ${it.buckets.reduce((a, b) => a + (b.places || 0), 0)}`);
        for (const el of [wd, per]) el.addEventListener('change', () => (legend.textContent = `${weekdayLabel(it.weekday)} ${periodLabel(it.period)} · ${t('appt.places')} ${it.buckets.reduce((a, b) => a + (b.places || 0), 0)}`));
        const st = bind(h('input', { type: 'time', value: it.start, 'data-field': `${p}.start` }), 'start');
        const en = bind(h('input', { type: 'time', value: it.end, 'data-field': `${p}.end` }), 'end');
        const sm = bind(h('input', { type: 'number', min: 1, max: 240, value: it.slot_minutes, 'data-field': `${p}.slot_minutes` }), 'slot_minutes', true);
        return h(
          'fieldset',
          { class: 'appt-tpl-item', 'data-item': i, 'data-field': p },
          legend,
          h('div', { class: 'form-grid' }, field(t('appt.schedule.weekday'), wd), field(t('appt.period'), per), field(t('appt.schedule.start'), st), field(t('appt.schedule.end'), en), field(t('appt.schedule.slot_minutes'), sm)),
          h(
            'table',
            { class: 'table appt-bucket-edit', 'data-field': `${p}.buckets` },
            h('caption', { class: 'field-label', style: 'text-align:left' }, t('appt.schedule.buckets')),
            h('thead', {}, h('tr', {}, [t('appt.pool'), t('appt.channel'), t('appt.places'), ''].map((x) => h('th', { scope: 'col' }, x)))),
            h(
              'tbody',
              {},
              it.buckets.map((b, k) => {
                const bp = `${p}.buckets[${k}]`;
                const bb = (el, key, num) => {
                  el.addEventListener('change', () => ((b[key] = num ? Number(el.value) : el.value), num && renderTemplate()));
                  return el;
                };
                return h(
                  'tr',
                  {},
                  h('td', {}, bb(select(POOLS.map((x) => [x, poolLabel(x)]), b.pool, { 'data-field': `${bp}.pool`, 'aria-label': t('appt.pool') }), 'pool')),
                  h('td', {}, bb(select(CHANNELS.map((x) => [x, channelLabel(x)]), b.channel, { 'data-field': `${bp}.channel`, 'aria-label': t('appt.channel') }), 'channel')),
                  h('td', {}, bb(h('input', { type: 'number', min: 0, max: 500, value: b.places, 'data-field': `${bp}.places`, 'aria-label': t('appt.places'), style: 'width:6em' }), 'places', true)),
                  h('td', {}, h('button', { type: 'button', class: 'btn btn-small', onclick: () => (it.buckets.splice(k, 1), renderTemplate()) }, t('common.remove'))),
                );
              }),
            ),
          ),
          h(
            'div',
            { class: 'form-actions' },
            h('button', { type: 'button', class: 'btn btn-small', onclick: () => (it.buckets.push({ pool: 'general', channel: 'onsite', places: 1 }), renderTemplate()) }, `＋ ${t('appt.schedule.bucket.add')}`),
            h('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: () => (model.splice(i, 1), renderTemplate()) }, t('common.remove')),
          ),
        );
      }),
      h('button', { type: 'button', class: 'btn', 'data-testid': 'tpl-add', onclick: () => (model.push(defaultItem()), renderTemplate()) }, `＋ ${t('appt.schedule.template.add')}`),
    );
  }
  renderTemplate();

  const summary = h('div', { class: 'form-summary', role: 'alert', tabindex: '-1' });
  const f = h(
    'form',
    { novalidate: true, 'data-testid': 'schedule-form' },
    summary,
    h('section', { class: 'card' }, h('div', { class: 'form-grid' }, field(t('appt.schedule.owner'), owner), field(t('appt.schedule.name'), name, { required: true }), field(t('appt.fee_class'), fee), field(t('appt.schedule.valid_to'), validTo)), whereBox),
    h('section', { class: 'card', 'aria-labelledby': 'tpl-title' }, h('div', { class: 'card-head' }, h('h2', { id: 'tpl-title' }, t('appt.schedule.template'))), tplBox),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'rel-title' },
      h('div', { class: 'card-head' }, h('h2', { id: 'rel-title' }, t('appt.schedule.release'))),
      h('div', { class: 'form-grid' }, field(t('appt.schedule.release_days'), relDays), field(t('appt.schedule.release_time'), relTime), field(t('appt.schedule.release_back_hours'), relBack)),
    ),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'schedule-save' }, t('common.save')), h('a', { class: 'btn', href: '/appointments/schedules' }, t('common.cancel'))),
  );
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {
      name: name.value.trim(),
      fee_class: fee.value,
      template: model.map((it) => ({ ...it, buckets: it.buckets.filter((b) => b.places > 0) })),
      release_days: Number(relDays.value),
      release_time: relTime.value,
      release_back_hours: Number(relBack.value),
    };
    if (validTo.value) body.valid_to = validTo.value;
    else if (s?.valid_to) body.valid_to = null;
    try {
      let r;
      if (s) {
        r = await api.request('PATCH', `/api/v1/schedules/${s.id}`, { body, headers: { 'If-Match': etag } });
      } else {
        body.owner = owner.value;
        if (validFrom.value) body.valid_from = validFrom.value;
        if (owner.value === 'team') {
          body.departments = [...teamDepts.selectedOptions].map((o) => o.value);
          body.doctors = [...teamDocs.selectedOptions].map((o) => o.value);
        } else {
          if (where.department()) body.department_id = where.department();
          if (owner.value === 'doctor' && where.doctor()) body.doctor_id = where.doctor();
        }
        r = await api.request('POST', '/api/v1/schedules', { body, headers: { 'Idempotency-Key': api.newIdempotencyKey() } });
      }
      toast(t('appt.schedule.saved'));
      app.navigate(`/appointments/schedules?facility=${r.data.facility_id}`);
    } catch (e) {
      showFormError(f, e, s ? 'ScheduleUpdate' : 'Schedule');
      // Template times are checked by the server (HH:MM, end after start), not by length.
      const msg = f.querySelector('.field-error');
      if (msg && /^template\[\d+\]\.(start|end|slot_minutes)$/.test(e.field ?? '') && e.code === 'invalid_value') msg.textContent = t('appt.err.times');
    }
  });
  clear(main, pageTitle(s ? `${t('appt.schedule.edit')} · ${s.name}` : t('appt.schedule.new')), apptTabs('schedules', app), f);
  if (where) await where.ready;
}
