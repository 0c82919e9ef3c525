// facility-map.js — facilities on a map (Leaflet, vendored; no tile server): the road network
// from GET /api/v1/map/roads as the background when the server has one, facilities coloured
// by type (legend beside the map), the view fitted to the facilities. Clicking the map (or
// the "map centre" button, for keyboards) asks GET /api/v1/facilities?near=LAT,LON for the
// nearest ones, listed with their distance.
import * as api from '../api.js';
import { codes, fmtNumber, fmtPhone, label, levelGrade, t } from '../i18n.js';
import { clear, errorBlock, field, h, leaflet, pageTitle, select } from '../ui.js';
import { filtersOf, tabs } from './facilities.js';

/* One colour per facility type, grouped by family: hospitals in reds and purples, primary
 * care in greens, public health in blues, emergency in orange, care in browns. */
export const TYPE_COLORS = {
  general_hospital: '#c62828',
  tcm_hospital: '#8e24aa',
  specialized_hospital: '#ad1457',
  maternal_child: '#ec407a',
  cdc: '#1565c0',
  blood_station: '#5e35b1',
  emergency_center: '#ef6c00',
  emergency_station: '#ffa000',
  chc: '#2e7d32',
  chs: '#66bb6a',
  township_hc: '#00897b',
  village_clinic: '#9ccc65',
  nursing_home_medical: '#6d4c41',
  childcare: '#00acc1',
};
const SIZE = { tertiary: 20, secondary: 17, primary: 14, unrated: 13 };

/* Road styles by OpenStreetMap highway class. */
function roadStyle(feature) {
  const k = feature.properties?.highway ?? '';
  if (/^(motorway|trunk)/.test(k)) return { color: '#e3a857', weight: 4 };
  if (/^primary/.test(k)) return { color: '#e9bf7a', weight: 3 };
  if (/^secondary/.test(k)) return { color: '#d8cfae', weight: 2.5 };
  if (/^(tertiary|road)/.test(k)) return { color: '#cfc7b3', weight: 2 };
  if (/^(residential|unclassified|living_street|service|pedestrian)/.test(k)) return { color: '#d6d0c2', weight: 1.4 };
  return { color: '#ddd6c6', weight: 0.8, dashArray: '3 3' };
}

function markerIcon(L, f) {
  const el = document.createElement('span');
  el.className = 'fac-dot';
  el.style.background = TYPE_COLORS[f.type] ?? '#555';
  const size = SIZE[f.level] ?? 13;
  el.style.width = el.style.height = `${size}px`;
  el.style.borderRadius = f.level === 'tertiary' || f.level === 'secondary' ? '4px' : '50%';
  el.style.border = '2px solid #fff';
  el.style.boxShadow = '0 0 0 1px rgba(0,0,0,.45), 0 1px 3px rgba(0,0,0,.3)';
  el.style.display = 'block';
  return L.divIcon({ html: el, className: 'fac-marker', iconSize: [size, size], iconAnchor: [size / 2, size / 2], popupAnchor: [0, -size / 2] });
}

function popup(f) {
  return h(
    'div',
    {},
    h('a', { href: `/facilities/${f.id}`, class: 'fac-name' }, f.name),
    h('div', { class: 'fac-sub' }, `${label('facility.type', f.type)} · ${levelGrade(f.level, f.grade)}`),
    f.address ? h('div', {}, f.address) : null,
    f.phone ? h('div', {}, fmtPhone(f.phone)) : null,
    f.capabilities.length ? h('div', {}, f.capabilities.map((c) => h('span', { class: 'tag' }, label('facility.capabilities', c)))) : null,
  );
}

export async function render({ main, query, isCurrent }) {
  const filters = filtersOf(query);
  const focus = query.get('focus');
  const mapEl = h('div', { class: 'map', role: 'region', 'aria-label': t('map.label'), 'data-testid': 'map' });
  const legend = h('ul', { class: 'legend' });
  const notes = h('div', { class: 'small muted' });
  const radius = select([1, 3, 5, 10, 20, 50].map((r) => [String(r), t('unit.km', { n: r })]), '10', {});
  const nearOut = h('div', { 'aria-live': 'polite', 'data-testid': 'near-results' });
  const centerBtn = h('button', { type: 'button', class: 'btn btn-small' }, t('map.near.center'));
  clear(
    main,
    pageTitle(t('map.title')),
    tabs('map', filters),
    h(
      'div',
      { class: 'map-layout' },
      mapEl,
      h(
        'aside',
        { class: 'map-side' },
        h('section', { class: 'card', 'aria-labelledby': 'near-title' }, h('h2', { id: 'near-title', class: 'card-head' }, t('map.near')), h('p', { class: 'small muted', style: 'margin-top:0' }, t('map.near.hint')), h('div', { style: 'display:flex;gap:8px;align-items:end;flex-wrap:wrap;margin-bottom:10px' }, field(t('map.near.radius'), radius), centerBtn), nearOut),
        h('section', { class: 'card', 'aria-labelledby': 'legend-title' }, h('h2', { id: 'legend-title', class: 'card-head' }, t('map.legend')), legend, notes),
      ),
    ),
  );

  const [L, list] = await Promise.all([leaflet(), api.getAll('/api/v1/facilities', filters, 5000)]);
  if (!isCurrent()) return;
  const map = L.map(mapEl, { zoomControl: true, keyboard: true, minZoom: 3, maxZoom: 19, zoomSnap: 0.25 });
  map.attributionControl.setPrefix('<a href="/vendor/leaflet/LICENSE" target="_blank">Leaflet</a>');
  map.createPane('roads').style.zIndex = 250;
  const roadsRenderer = L.canvas({ pane: 'roads', padding: 0.3 });

  // Facilities, fitted.
  const located = list.items.filter((f) => f.lat !== null && f.lon !== null);
  const markers = new Map();
  for (const f of located) {
    const m = L.marker([f.lat, f.lon], { icon: markerIcon(L, f), title: f.name, alt: f.name, keyboard: true, riseOnHover: true });
    m.bindPopup(() => popup(f));
    m.addTo(map);
    markers.set(f.id, m);
  }
  if (located.length) map.fitBounds(L.latLngBounds(located.map((f) => [f.lat, f.lon])).pad(0.15), { maxZoom: 15 });
  else map.setView([0, 0], 3);

  // Legend: the types on the map.
  const present = codes('facility.type').filter((c) => located.some((f) => f.type === c));
  clear(legend, present.map((c) => h('li', {}, swatch(TYPE_COLORS[c]), label('facility.type', c))));
  notes.append(h('p', {}, t('map.shape')));
  const missing = list.items.length - located.length;
  if (missing) notes.append(h('p', {}, t('map.nolocation', { n: missing })));

  // Roads underneath, when the server has a network (404: it has none).
  api
    .request('GET', '/api/v1/map/roads', { quiet401: true })
    .then((r) => {
      if (!isCurrent() || !mapEl.isConnected) return;
      const layer = L.geoJSON(r.data, { style: roadStyle, interactive: false, renderer: roadsRenderer, pane: 'roads' }).addTo(map);
      if (r.data?.attribution) map.attributionControl.addAttribution(r.data.attribution);
      legend.append(h('li', {}, h('span', { class: 'swatch-line', 'aria-hidden': 'true' }), t('map.roads')));
      if (!located.length) map.fitBounds(layer.getBounds());
    })
    .catch(() => {
      if (isCurrent()) notes.append(h('p', {}, t('map.roads.none')));
    });

  // Nearest to a point.
  let here = null;
  async function nearest(latlng) {
    const lat = latlng.lat.toFixed(5);
    const lon = latlng.lng.toFixed(5);
    here?.remove();
    here = L.layerGroup([
      L.circle(latlng, { radius: Number(radius.value) * 1000, color: '#d9480f', weight: 1, fillOpacity: 0.05, interactive: false }),
      L.marker(latlng, { icon: L.divIcon({ className: 'here-marker', iconSize: [18, 18] }), title: t('map.here'), alt: t('map.here'), keyboard: false, interactive: false }),
    ]).addTo(map);
    clear(nearOut, h('p', { class: 'muted small' }, t('app.loading')));
    try {
      const page = await api.get('/api/v1/facilities', { ...filters, near: `${lat},${lon}`, radius_km: radius.value, limit: 10 });
      clear(
        nearOut,
        h('h3', { class: 'small', style: 'margin:0 0 4px' }, t('map.near.results', { lat, lon })),
        page.items.length
          ? h(
              'ol',
              { class: 'near-list' },
              page.items.map((f) =>
                h(
                  'li',
                  {},
                  h(
                    'span',
                    {},
                    swatch(TYPE_COLORS[f.type]),
                    ' ',
                    h('a', { href: `/facilities/${f.id}` }, f.name),
                    h('div', { class: 'fac-sub' }, `${label('facility.type', f.type)} · ${levelGrade(f.level, f.grade)}`),
                  ),
                  h('span', { class: 'dist' }, t('unit.km', { n: fmtNumber(f.distance_km, f.distance_km < 10 ? 2 : 1) })),
                ),
              ),
            )
          : h('p', { class: 'empty' }, t('map.near.none', { r: radius.value })),
      );
    } catch (e) {
      clear(nearOut, errorBlock(e));
    }
  }
  map.on('click', (ev) => nearest(ev.latlng));
  centerBtn.addEventListener('click', () => nearest(map.getCenter()));

  if (focus && markers.has(focus)) {
    const m = markers.get(focus);
    map.setView(m.getLatLng(), Math.max(map.getZoom(), 14), { animate: false });
    m.openPopup();
  }
  setTimeout(() => map.invalidateSize(), 0);
  return () => map.remove();
}

function swatch(color) {
  const s = h('span', { class: 'swatch', 'aria-hidden': 'true' });
  s.style.background = color ?? '#555';
  return s;
}
