// The search page: plain JavaScript over the public API (/search, /suggest,
// /facets/{facet}). The whole state lives in the URL, with the API's own
// parameter names, so a link reproduces a search and back/forward work.
'use strict';

const FACETS = [
  { name: 'town', title: 'Obec', top: 8 },
  { name: 'period', title: 'Období' },
  { name: 'category', title: 'Kategorie' },
  { name: 'region', title: 'Kraj' },
];
const PAGE = 10;
const $ = (id) => document.getElementById(id);
const labels = { category: {}, region: {} };
let expandedTowns = false;
let townFilter = '';

// ---- state <-> URL ----------------------------------------------------

function readState() {
  const p = new URLSearchParams(location.search);
  const state = { q: p.get('q') || '', year: p.get('year') || '', offset: Number(p.get('offset')) || 0 };
  for (const f of FACETS) state[f.name] = p.getAll(f.name);
  return state;
}

function toQuery(state, extra = {}) {
  const p = new URLSearchParams();
  if (state.q) p.set('q', state.q);
  for (const f of FACETS) for (const v of state[f.name]) p.append(f.name, v);
  if (state.year) p.set('year', state.year);
  if (state.offset) p.set('offset', String(state.offset));
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p.toString();
}

function go(state) {
  const query = toQuery(state);
  history.pushState(null, '', query ? `?${query}` : location.pathname);
  render();
}

// ---- rendering --------------------------------------------------------

let generation = 0;

async function render() {
  const state = readState();
  const mine = ++generation;
  $('q').value = state.q;
  let body;
  try {
    const response = await fetch(`/search?${toQuery(state, { limit: String(PAGE) })}`);
    body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
  } catch (error) {
    if (mine !== generation) return;
    $('status').textContent = `Hledání se nezdařilo: ${error.message}`;
    $('hits').replaceChildren();
    return;
  }
  if (mine !== generation) return; // a newer search is on its way
  for (const f of ['category', 'region']) {
    for (const v of body.facets[f]) if (v.label) labels[f][v.value] = v.label;
  }
  renderStatus(state, body);
  renderActive(state);
  renderHits(body.hits);
  renderFacets(state, body.facets);
  renderYears(state, body.facets.period);
  renderPager(state, body.total);
  renderEmpty(state, body.total);
  document.title = state.q ? `${state.q} – Opatření obcí` : 'Opatření obcí – vyhledávání';
}

function renderStatus(state, body) {
  const status = $('status');
  status.replaceChildren();
  if (body.total === 0) {
    status.textContent = 'Nic nenalezeno.';
    return;
  }
  const strong = document.createElement('strong');
  strong.textContent = body.total.toLocaleString('cs-CZ');
  const from = state.offset + 1;
  const to = Math.min(state.offset + PAGE, body.total);
  status.append('Nalezeno ', strong, ' opatření', body.total > PAGE ? ` · zobrazeno ${from}–${to}` : '');
}

function facetLabel(facet, value) {
  if (facet === 'period') return value.replace('-', '–');
  return (labels[facet] && labels[facet][value]) || value;
}

function activeFilters(state) {
  const list = [];
  for (const f of FACETS) for (const v of state[f.name]) list.push({ facet: f.name, value: v, text: `${f.title}: ${facetLabel(f.name, v)}` });
  if (state.year) list.push({ facet: 'year', value: state.year, text: `Rok: ${state.year}` });
  return list;
}

function without(state, filter) {
  const next = { ...state, offset: 0 };
  if (filter.facet === 'year') next.year = '';
  else if (filter.facet === 'q') next.q = '';
  else next[filter.facet] = state[filter.facet].filter((v) => v !== filter.value);
  return next;
}

function removeButton(state, filter, label) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'chip-remove';
  button.textContent = label || filter.text;
  button.setAttribute('aria-label', `Zrušit filtr ${filter.text}`);
  button.addEventListener('click', () => go(without(state, filter)));
  return button;
}

function renderActive(state) {
  const filters = activeFilters(state);
  $('filters').querySelector('summary').textContent = filters.length ? `Filtry (${filters.length})` : 'Filtry';
  const items = filters.map((filter) => {
    const li = document.createElement('li');
    li.append(removeButton(state, filter));
    return li;
  });
  $('active').replaceChildren(...items);
}

function renderHits(hits) {
  const items = hits.map((hit) => {
    const li = document.createElement('li');
    li.className = 'hit';
    li.dataset.id = hit.id;
    const text = document.createElement('p');
    text.innerHTML = hit.highlight; // HTML-escaped by the server, with <mark>
    const meta = document.createElement('div');
    meta.className = 'meta';
    const town = document.createElement('span');
    town.className = 'town';
    town.textContent = hit.towns.join(', ');
    const period = document.createElement('span');
    period.textContent = facetLabel('period', hit.period);
    const region = document.createElement('span');
    region.textContent = facetLabel('region', hit.region);
    meta.append(town, period, region);
    const tags = document.createElement('div');
    tags.className = 'tags';
    for (const c of hit.categories) {
      const tag = document.createElement('span');
      tag.className = 'tag';
      tag.textContent = facetLabel('category', c);
      tags.append(tag);
    }
    li.append(text, meta, tags);
    return li;
  });
  $('hits').replaceChildren(...items);
}

function checkboxItem(state, facet, entry) {
  const li = document.createElement('li');
  const label = document.createElement('label');
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.name = facet;
  box.value = entry.value;
  box.checked = state[facet].includes(entry.value);
  box.addEventListener('change', () => {
    const values = box.checked ? [...state[facet], entry.value] : state[facet].filter((v) => v !== entry.value);
    go({ ...state, [facet]: values, offset: 0 });
  });
  const name = document.createElement('span');
  name.textContent = facetLabel(facet, entry.value);
  const n = document.createElement('span');
  n.className = 'n';
  n.textContent = entry.count.toLocaleString('cs-CZ');
  label.append(box, name, n);
  li.append(label);
  return li;
}

function renderFacets(state, facets) {
  const groups = FACETS.map((f) => {
    const fieldset = document.createElement('fieldset');
    fieldset.className = 'facet';
    fieldset.dataset.facet = f.name;
    const legend = document.createElement('legend');
    legend.textContent = f.title;
    fieldset.append(legend);
    let entries = facets[f.name].slice();
    // A selected value stays visible even when the others exclude it.
    for (const v of state[f.name]) if (!entries.some((e) => e.value === v)) entries.push({ value: v, count: 0 });
    if (f.name === 'town' && entries.length > f.top) {
      const find = document.createElement('input');
      find.type = 'search';
      find.className = 'find';
      find.placeholder = 'Najít obec…';
      find.setAttribute('aria-label', 'Najít obec');
      find.value = townFilter;
      fieldset.append(find);
      const list = document.createElement('ul');
      const show = (shown) => list.replaceChildren(...shown.map((e) => checkboxItem(state, 'town', e)));
      const visible = () => (expandedTowns ? entries : entries.slice(0, f.top).concat(entries.slice(f.top).filter((e) => state.town.includes(e.value))));
      show(visible());
      find.addEventListener('input', debounce(async () => {
        townFilter = find.value.trim();
        if (!townFilter) return show(visible());
        const params = new URLSearchParams(toQuery({ ...state, town: [] }));
        params.delete('offset');
        params.delete('q');
        if (state.q) params.set('query', state.q);
        params.set('q', townFilter);
        const response = await fetch(`/facets/town?${params}`);
        if (response.ok) show((await response.json()).values);
      }, 150));
      const more = document.createElement('button');
      more.type = 'button';
      more.className = 'more';
      more.setAttribute('aria-expanded', String(expandedTowns));
      more.textContent = expandedTowns ? 'Zobrazit méně' : `Zobrazit všechny obce (${entries.length})`;
      more.addEventListener('click', () => { expandedTowns = !expandedTowns; renderFacets(state, facets); });
      fieldset.append(list, more);
    } else {
      const list = document.createElement('ul');
      list.append(...entries.map((e) => checkboxItem(state, f.name, e)));
      fieldset.append(list);
    }
    return fieldset;
  });
  $('facets').replaceChildren(...groups);
}

function renderYears(state, periods) {
  const select = $('year');
  const years = new Set();
  for (const p of periods) {
    const [from, to] = p.value.split('-').map(Number);
    for (let y = from; y <= to; y++) years.add(y);
  }
  if (state.year) years.add(Number(state.year));
  const options = [...years].sort().map((y) => {
    const o = document.createElement('option');
    o.value = String(y);
    o.textContent = String(y);
    return o;
  });
  const all = document.createElement('option');
  all.value = '';
  all.textContent = 'Všechny roky';
  select.replaceChildren(all, ...options);
  select.value = state.year;
}

function renderPager(state, total) {
  const pager = $('pager');
  pager.replaceChildren();
  if (total <= PAGE) return;
  const pages = Math.ceil(total / PAGE);
  const page = Math.floor(state.offset / PAGE) + 1;
  const button = (text, offset, disabled) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    b.disabled = disabled;
    b.addEventListener('click', () => { go({ ...state, offset }); $('results').focus(); });
    return b;
  };
  const where = document.createElement('span');
  where.textContent = `Strana ${page} z ${pages}`;
  pager.append(button('Předchozí', Math.max(0, state.offset - PAGE), page === 1), where, button('Další', state.offset + PAGE, page === pages));
}

function renderEmpty(state, total) {
  const empty = $('empty');
  empty.hidden = total !== 0;
  if (total !== 0) return;
  const actions = activeFilters(state).map((f) => removeButton(state, f, `Zrušit ${f.text}`));
  if (state.q) actions.push(removeButton(state, { facet: 'q', value: state.q, text: `dotaz „${state.q}“` }, 'Hledat bez dotazu'));
  $('empty-actions').replaceChildren(...actions);
}

// ---- suggestions (an accessible combobox) -----------------------------

function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

const input = $('q');
const listbox = $('suggestions');
let active = -1;

function closeSuggestions() {
  listbox.hidden = true;
  listbox.replaceChildren();
  input.setAttribute('aria-expanded', 'false');
  input.removeAttribute('aria-activedescendant');
  active = -1;
}

function highlightOption(index) {
  const options = [...listbox.children];
  options.forEach((o, i) => o.setAttribute('aria-selected', String(i === index)));
  active = index;
  if (index >= 0) input.setAttribute('aria-activedescendant', options[index].id);
  else input.removeAttribute('aria-activedescendant');
}

function choose(text) {
  closeSuggestions();
  go({ ...readState(), q: text, offset: 0 });
}

const suggest = debounce(async () => {
  const q = input.value;
  if (!q.trim()) return closeSuggestions();
  const response = await fetch(`/suggest?${new URLSearchParams({ q, limit: '8' })}`);
  if (!response.ok || input.value !== q) return;
  const { suggestions } = await response.json();
  if (!suggestions.length) return closeSuggestions();
  listbox.replaceChildren(...suggestions.map((s, i) => {
    const li = document.createElement('li');
    li.id = `suggestion-${i}`;
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', 'false');
    const text = document.createElement('span');
    text.textContent = s.text;
    const count = document.createElement('span');
    count.className = 'count';
    count.textContent = s.count;
    li.append(text, count);
    li.addEventListener('mousedown', (e) => { e.preventDefault(); choose(s.text); });
    return li;
  }));
  listbox.hidden = false;
  input.setAttribute('aria-expanded', 'true');
  active = -1;
}, 150);

input.addEventListener('input', suggest);
input.addEventListener('blur', () => setTimeout(closeSuggestions, 100));
input.addEventListener('keydown', (e) => {
  const count = listbox.children.length;
  if (e.key === 'ArrowDown' && count) { e.preventDefault(); highlightOption((active + 1) % count); }
  else if (e.key === 'ArrowUp' && count) { e.preventDefault(); highlightOption((active - 1 + count) % count); }
  else if (e.key === 'Escape') closeSuggestions();
  else if (e.key === 'Enter' && active >= 0) { e.preventDefault(); choose(listbox.children[active].firstChild.textContent); }
});

$('search').addEventListener('submit', (e) => {
  e.preventDefault();
  closeSuggestions();
  go({ ...readState(), q: input.value.trim(), offset: 0 });
});
$('year').addEventListener('change', (e) => go({ ...readState(), year: e.target.value, offset: 0 }));
window.addEventListener('popstate', render);

// Filters open beside the results on wide screens, folded on phones.
const wide = window.matchMedia('(min-width: 821px)');
const syncFilters = () => { $('filters').open = wide.matches; };
wide.addEventListener('change', syncFilters);
syncFilters();

render();
