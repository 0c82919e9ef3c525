// appt-notifications.js — 消息通知: what a resident is told about their own and their
// family's appointments (leave, a waiting-list offer, an expired offer), newest first (GET
// /api/v1/notifications), with "mark read" (POST /api/v1/notifications/{id}/read). An
// offer links to the appointments page, where it is accepted or declined.
import * as api from '../api.js';
import { fmtDateTime, t } from '../i18n.js';
import { clear, errorBlock, h, pageTitle, pager, toast } from '../ui.js';
import { apptErrorText, apptTabs, notifyLabel } from './appt-common.js';

export async function render({ main, app, query }) {
  const unread = query.get('unread') === 'true';
  const list = h('ul', { class: 'finder-list', 'data-testid': 'notifications' });
  const p = pager(async (cursor) => {
    try {
      const page = await api.get('/api/v1/notifications', { unread: unread ? 'true' : '', limit: 20, cursor });
      clear(list, page.items.length ? page.items.map(item) : h('li', { class: 'empty' }, t('appt.notifications.none')));
      return page.next_cursor;
    } catch (e) {
      clear(list, h('li', {}, errorBlock(e, () => p.reload())));
      return null;
    }
  });
  function item(n) {
    const read = h('button', { type: 'button', class: 'btn btn-small', onclick: () => mark(n) }, t('appt.notifications.read'));
    return h(
      'li',
      { 'data-notification': n.id, 'data-read': n.read_at ? 'true' : 'false' },
      h(
        'span',
        {},
        h('span', { class: n.kind === 'session_cancelled' ? 'tag tag-danger' : n.kind === 'waitlist_offer' ? 'tag tag-warn' : 'tag tag-grey' }, notifyLabel(n.kind)),
        ' ',
        n.read_at ? h('span', {}, n.text) : h('strong', {}, n.text),
        h('div', { class: 'fac-sub' }, fmtDateTime(n.created_at), n.kind === 'waitlist_offer' ? [' · ', h('a', { href: '/appointments' }, t('appt.tab.mine'))] : null),
      ),
      n.read_at ? h('span', { class: 'muted small' }, t('appt.notifications.isread')) : read,
    );
  }
  async function mark(n) {
    try {
      await api.request('POST', `/api/v1/notifications/${n.id}/read`);
      await p.reload();
    } catch (e) {
      toast(apptErrorText(e), 'error');
    }
  }
  const toggle = h('a', { class: 'btn', href: unread ? '/appointments/notifications' : '/appointments/notifications?unread=true', 'aria-pressed': unread ? 'true' : 'false' }, unread ? t('common.all') : t('appt.notifications.unread'));
  clear(main, pageTitle(t('appt.notifications.title'), toggle), apptTabs('notifications', app), h('section', { class: 'card' }, list, p.el));
  await p.reset();
}
