// The search page: plain JavaScript over the public API (/search, /suggest,
// /facets, /facets/{facet}, /measures/{id}). The whole state lives in the
// URL, with the API's own parameter names, so a link reproduces a search
// and back/forward work.
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
let years = [];
let expandedTowns = false;
let townFilter = '';

// ---- state <-> URL ----------------------------------------------------

function readState() {
  const p = new URLSearchParams(location.search);
  const offset = Number(p.get('offset'));
  const state = {
    q: p.get('q') || '',
    year: p.get('year') || '',
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
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
  return render();
}

// ---- the whole collection: labels and years, fetched once -------------

const collection = fetch('/facets')
  .then((response) => (response.ok ? response.json() : null))
  .then((body) => {
    if (!body) return;
    remember(body.facets);
    const all = new Set();
    for (const p of body.facets.period) {
      const [from, to] = p.value.split('-').map(Number);
      for (let y = from; y <= to; y++) all.add(y);
    }
    years = [...all].sort((a, b) => a - b);
  })
  .catch(() => {});

function remember(facets) {
  for (const f of ['category', 'region']) {
    for (const v of facets[f] || []) if (v.label) labels[f][v.value] = v.label;
  }
}

// ---- rendering --------------------------------------------------------

let generation = 0;

async function render() {
  const state = readState();
  const mine = ++generation;
  $('q').value = state.q;
  $('results').setAttribute('aria-busy', 'true');
  let body;
  try {
    const [response] = await Promise.all([fetch(`/search?${toQuery(state, { limit: String(PAGE) })}`), collection]);
    body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
  } catch (error) {
    if (mine !== generation) return;
    $('results').removeAttribute('aria-busy');
    $('status').textContent = `Hledání se nezdařilo: ${error.message}`;
    for (const id of ['hits', 'active', 'pager']) $(id).replaceChildren();
    $('empty').hidden = true;
    return;
  }
  if (mine !== generation) return; // a newer search is on its way
  $('results').removeAttribute('aria-busy');
  remember(body.facets);
  renderStatus(state, body);
  renderActive(state);
  renderHits(body.hits);
  renderFacets(state, body.facets);
  renderYears(state);
  renderPager(state, body.total);
  renderEmpty(state, body.total);
  document.title = state.q ? `${state.q} – Opatření obcí` : 'Opatření obcí – vyhledávání';
}

function renderStatus(state, body) {
  const status = $('status');
  status.replaceChildren();
  // With nothing found the box below says so; the status is still announced.
  status.classList.toggle('visually-hidden', body.total === 0);
  if (body.total === 0) {
    status.textContent = 'Nic nenalezeno.';
    return;
  }
  const strong = document.createElement('strong');
  strong.textContent = body.total.toLocaleString('cs-CZ');
  // Czech agrees the verb with the number: 1 and 5+ "nalezeno", 2–4 "nalezena".
  status.append(body.total >= 2 && body.total <= 4 ? 'Nalezena ' : 'Nalezeno ', strong, ' opatření');
  if (!body.hits.length) status.append(' · tato stránka už je za koncem výsledků');
  else if (body.total > PAGE) status.append(` · zobrazeno ${state.offset + 1}–${state.offset + body.hits.length}`);
}

function facetLabel(facet, value) {
  if (facet === 'period') return value.replace('-', '–');
  return (labels[facet] && labels[facet][value]) || value;
}

function activeFilters(state) {
  const list = [];
  for (const f of FACETS) {
    for (const v of state[f.name]) list.push({ facet: f.name, value: v, text: `${f.title}: ${facetLabel(f.name, v)}` });
  }
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
  button.setAttribute('aria-label', filter.facet === 'q' ? `Hledat bez ${filter.text}` : `Zrušit filtr ${filter.text}`);
  button.addEventListener('click', () => go(without(state, filter)).then(() => $('results').focus()));
  return button;
}

function renderActive(state) {
  const filters = activeFilters(state);
  $('filters-count').textContent = filters.length ? ` (${filters.length})` : '';
  const items = filters.map((filter) => {
    const li = document.createElement('li');
    li.append(removeButton(state, filter));
    return li;
  });
  if (filters.length > 1) {
    const li = document.createElement('li');
    const clear = document.createElement('button');
    clear.type = 'button';
    clear.className = 'clear-all';
    clear.textContent = 'Zrušit všechny filtry';
    clear.addEventListener('click', () => go({ ...readState(), town: [], period: [], category: [], region: [], year: '', offset: 0 }));
    li.append(clear);
    items.push(li);
  }
  $('active').replaceChildren(...items);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function month(value) {
  const [y, m] = (value || '').split('-');
  return m ? `${Number(m)}/${y}` : value || '';
}

async function fillDetail(container, id, fragment) {
  container.textContent = 'Načítám…';
  try {
    const response = await fetch(`/measures/${encodeURIComponent(id)}`);
    if (!response.ok) throw new Error(String(response.status));
    const m = await response.json();
    const list = el('dl', 'detail-list');
    const row = (term, value) => {
      if (!value) return;
      list.append(el('dt', '', term), el('dd', '', value));
    };
    if (fragment) row('Celý text', m.text);
    if (m.heading && !(m.towns.length === 1 && m.towns[0] === m.heading)) row('Uvedeno u', m.heading);
    row('Lokality', m.localities.join(', '));
    row('Období', `${month(m.period_from)} – ${month(m.period_to)}`);
    row('Klíčové fráze', m.key_phrases.join(', '));
    if (m.source) row('Zdroj', `${m.source.file}, řádek ${m.source.line}`);
    row('Identifikátor', m.id);
    container.replaceChildren(list);
  } catch {
    container.textContent = 'Podrobnosti se nepodařilo načíst.';
  }
}

function renderHits(hits) {
  const items = hits.map((hit) => {
    const li = el('li', 'hit');
    li.dataset.id = hit.id;
    const text = el('p', 'hit-text');
    text.innerHTML = hit.highlight; // HTML-escaped by the server, with <mark>
    const meta = el('div', 'meta');
    meta.append(
      el('span', 'town', hit.towns.join(', ')),
      el('span', 'period', facetLabel('period', hit.period)),
      el('span', 'region', facetLabel('region', hit.region)),
    );
    const tags = el('ul', 'tags');
    tags.setAttribute('aria-label', 'Kategorie');
    for (const c of hit.categories) tags.append(el('li', 'tag', facetLabel('category', c)));
    const more = el('details', 'detail');
    const summary = el('summary', '', 'Podrobnosti');
    const body = el('div', 'detail-body');
    more.append(summary, body);
    more.addEventListener('toggle', () => { if (more.open && !body.childElementCount) fillDetail(body, hit.id, text.textContent !== hit.text); });
    const foot = el('div', 'hit-foot');
    foot.append(tags, more);
    li.append(meta, text, foot);
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
  label.append(box, el('span', 'name', facetLabel(facet, entry.value)), el('span', 'n', entry.count.toLocaleString('cs-CZ')));
  li.append(label);
  return li;
}

// Re-rendering the facets replaces their elements: the keyboard focus
// moves to the same control in the new list.
function focusedFacetControl() {
  const node = document.activeElement;
  if (!node || !$('facets').contains(node)) return null;
  if (node.type === 'checkbox') return `input[name="${CSS.escape(node.name)}"][value="${CSS.escape(node.value)}"]`;
  if (node.classList.contains('find')) return '.find';
  if (node.classList.contains('more')) return '.more';
  return null;
}

async function findTowns(state, text) {
  const params = new URLSearchParams(toQuery({ ...state, q: '', town: [], offset: 0 }));
  if (state.q) params.set('query', state.q);
  params.set('q', text);
  const response = await fetch(`/facets/town?${params}`);
  return response.ok ? (await response.json()).values : [];
}

function townGroup(fieldset, state, entries, top) {
  const find = el('input', 'find');
  find.type = 'search';
  find.placeholder = 'Najít obec…';
  find.setAttribute('aria-label', 'Najít obec');
  find.setAttribute('aria-controls', 'town-list');
  find.value = townFilter;
  const list = el('ul');
  list.id = 'town-list';
  list.setAttribute('aria-live', 'polite');
  const show = (shown) => {
    if (!shown.length) list.replaceChildren(el('li', 'none', 'Žádná obec neodpovídá.'));
    else list.replaceChildren(...shown.map((e) => checkboxItem(state, 'town', e)));
  };
  const visible = () => (expandedTowns ? entries : entries.slice(0, top).concat(entries.slice(top).filter((e) => state.town.includes(e.value))));
  const more = el('button', 'more');
  more.type = 'button';
  more.setAttribute('aria-expanded', String(expandedTowns));
  more.setAttribute('aria-controls', 'town-list');
  more.textContent = expandedTowns ? 'Zobrazit méně' : `Zobrazit vše (${entries.length})`;
  more.addEventListener('click', () => {
    expandedTowns = !expandedTowns;
    more.setAttribute('aria-expanded', String(expandedTowns));
    more.textContent = expandedTowns ? 'Zobrazit méně' : `Zobrazit vše (${entries.length})`;
    show(visible());
  });
  let asked = 0;
  const lookup = async () => {
    const mine = ++asked;
    townFilter = find.value.trim();
    more.hidden = Boolean(townFilter);
    if (!townFilter) return show(visible());
    const values = await findTowns(state, townFilter).catch(() => null);
    if (values && mine === asked) show(values);
  };
  find.addEventListener('input', debounce(lookup, 150));
  find.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && find.value) { e.preventDefault(); find.value = ''; lookup(); }
  });
  fieldset.append(find, list, more);
  if (townFilter) lookup();
  else show(visible());
}

function renderFacets(state, facets) {
  const focus = focusedFacetControl();
  const groups = FACETS.map((f) => {
    const fieldset = el('fieldset', 'facet');
    fieldset.dataset.facet = f.name;
    fieldset.append(el('legend', '', f.title));
    const entries = facets[f.name].slice();
    // A selected value stays visible even when the others exclude it.
    for (const v of state[f.name]) if (!entries.some((e) => e.value === v)) entries.push({ value: v, count: 0 });
    if (!entries.length) {
      fieldset.append(el('p', 'none', 'Žádné hodnoty.'));
    } else if (f.name === 'town' && (entries.length > f.top || townFilter)) {
      townGroup(fieldset, state, entries, f.top);
    } else {
      const list = el('ul');
      list.append(...entries.map((e) => checkboxItem(state, f.name, e)));
      fieldset.append(list);
    }
    return fieldset;
  });
  $('facets').replaceChildren(...groups);
  if (focus) {
    const again = $('facets').querySelector(focus);
    if (again) again.focus();
  }
}

function renderYears(state) {
  const select = $('year');
  const shown = new Set(years);
  if (/^\d{4}$/.test(state.year)) shown.add(Number(state.year));
  const options = [...shown].sort((a, b) => a - b).map((y) => {
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
  if (total <= PAGE && state.offset === 0) return;
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const page = Math.floor(state.offset / PAGE) + 1;
  const button = (text, offset, disabled, rel) => {
    const b = el('button', `page-${rel}`, text);
    b.type = 'button';
    b.disabled = disabled;
    b.addEventListener('click', () => go({ ...state, offset }).then(() => $('results').focus()));
    return b;
  };
  const where = el('span', 'where', page <= pages ? `Strana ${page} z ${pages}` : `Strana ${page}`);
  const previous = Math.min(Math.max(0, state.offset - PAGE), (pages - 1) * PAGE);
  pager.append(
    button('← Předchozí', previous, state.offset === 0, 'prev'),
    where,
    button('Další →', state.offset + PAGE, page >= pages, 'next'),
  );
}

function renderEmpty(state, total) {
  const empty = $('empty');
  empty.hidden = total !== 0;
  if (total !== 0) return;
  const filters = activeFilters(state);
  $('empty-advice').textContent = filters.length
    ? 'Zkuste zrušit některý z filtrů:'
    : 'Zkuste jiná slova, méně slov nebo obecnější výraz.';
  const actions = filters.map((f) => removeButton(state, f, `Zrušit ${f.text}`));
  if (state.q && !filters.length) {
    actions.push(removeButton(state, { facet: 'q', value: state.q, text: `dotazu „${state.q}“` }, 'Zobrazit všechna opatření'));
  }
  $('empty-actions').replaceChildren(...actions);
}

// ---- suggestions (an accessible combobox) -----------------------------

function debounce(fn, ms) {
  let timer;
  const run = (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  run.cancel = () => clearTimeout(timer);
  return run;
}

const input = $('q');
const listbox = $('suggestions');
let active = -1;
let asking = 0;

function closeSuggestions() {
  listbox.hidden = true;
  listbox.replaceChildren();
  input.setAttribute('aria-expanded', 'false');
  input.removeAttribute('aria-activedescendant');
  active = -1;
}

function stopSuggesting() {
  suggest.cancel();
  asking++;
  closeSuggestions();
}

function highlightOption(index) {
  const options = [...listbox.children];
  options.forEach((o, i) => o.setAttribute('aria-selected', String(i === index)));
  active = index;
  if (index >= 0) {
    input.setAttribute('aria-activedescendant', options[index].id);
    options[index].scrollIntoView({ block: 'nearest' });
  } else {
    input.removeAttribute('aria-activedescendant');
  }
}

function choose(text) {
  stopSuggesting();
  input.value = text;
  go({ ...readState(), q: text, offset: 0 });
}

const suggest = debounce(async () => {
  const q = input.value;
  const mine = ++asking;
  if (!q.trim()) return closeSuggestions();
  let suggestions;
  try {
    const response = await fetch(`/suggest?${new URLSearchParams({ q, limit: '8' })}`);
    if (!response.ok) return;
    ({ suggestions } = await response.json());
  } catch {
    return;
  }
  if (mine !== asking || input.value !== q || document.activeElement !== input) return;
  if (!suggestions.length) return closeSuggestions();
  listbox.replaceChildren(...suggestions.map((s, i) => {
    const li = el('li');
    li.id = `suggestion-${i}`;
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', 'false');
    li.dataset.text = s.text;
    const n = el('span', 'count', s.count.toLocaleString('cs-CZ'));
    n.setAttribute('aria-hidden', 'true');
    li.append(el('span', 'text', s.text), n);
    li.addEventListener('mousedown', (e) => { e.preventDefault(); choose(s.text); });
    return li;
  }));
  listbox.hidden = false;
  input.setAttribute('aria-expanded', 'true');
  active = -1;
}, 150);

input.addEventListener('input', suggest);
input.addEventListener('blur', () => setTimeout(() => { if (document.activeElement !== input) stopSuggesting(); }, 100));
input.addEventListener('keydown', (e) => {
  const options = listbox.hidden ? 0 : listbox.children.length;
  if (e.key === 'ArrowDown' && options) { e.preventDefault(); highlightOption((active + 1) % options); }
  else if (e.key === 'ArrowUp' && options) { e.preventDefault(); highlightOption((active - 1 + options) % options); }
  else if (e.key === 'Escape' && options) { e.preventDefault(); stopSuggesting(); }
  else if (e.key === 'Enter' && active >= 0 && options) { e.preventDefault(); choose(listbox.children[active].dataset.text); }
});

$('search').addEventListener('submit', (e) => {
  e.preventDefault();
  stopSuggesting();
  go({ ...readState(), q: input.value.trim(), offset: 0 });
});
$('year').addEventListener('change', (e) => go({ ...readState(), year: e.target.value, offset: 0 }));
window.addEventListener('popstate', () => { stopSuggesting(); render(); });

// Filters open beside the results on wide screens, folded on phones.
const wide = window.matchMedia('(min-width: 821px)');
const syncFilters = () => { $('filters').open = wide.matches; };
wide.addEventListener('change', syncFilters);
syncFilters();

render();
