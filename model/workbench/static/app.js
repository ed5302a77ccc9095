// The workbench page: one page, no build step, no library but plotly.js (served by the workbench itself).
//
// What it keeps (`state`): the scenario open, the edits made in its tables (each a cell of the `editable`
// tables of GET /api/scenario, sent to the server as `set` overrides), the YAML text if it was edited, and the
// base's charts (fetched once per base). Every answer from the API is shown: a plan, located problems, or a
// message; a request that fails to reach the server says so.

const params = new URLSearchParams(location.search);
const TOKEN = params.get('token');
const TOKEN_QUERY = TOKEN ? 'token=' + encodeURIComponent(TOKEN) : '';
const SOLVE_DELAY_MS = 300; // typing pauses this long before the plan is solved again
const VALIDATE_DELAY_MS = 400; // the YAML text is checked when typing pauses this long
const PROGRESS_AFTER_MS = 400; // a request still running after this shows its progress
const POLL_MS = 200;
const PLOT_CONFIG = { displaylogo: false }; // resized by `chartSizes`, which also sees a column change

const state = {
  scenario: null, // the path (relative to the served folder) of the scenario open, or null for an upload
  uploadName: null, // the name of an uploaded file, when one is open
  info: null, // GET /api/scenario's document
  edits: new Map(), // cell key -> the value typed (a string)
  cells: new Map(), // cell key -> {path, period, value, min, max, unit, input, note}
  yaml: null, // the edited YAML text solved, or null: the file as it is on disk
  baseKey: null, // what the base charts were drawn for
  baseView: null,
  solveSeq: 0,
  solveTimer: null,
  validateTimer: null,
  listingTimer: null, // a listing again, while a large file is checked in the background
  yamlSeq: 0,
  validateSeq: 0,
  progress: null, // {id, timer, started}
  lastSolve: null,
  shown: null, // the answer in the status bar: {key (the request it answers), plan, wall, seq}
  figures: new Map(), // chart key -> its div, so Plotly.react redraws it in place
  tableShown: 'volumes', // the editable table on show
};

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------- the API

/** Calls the API with the token; returns {ok, status, data}. A request that cannot reach the server throws
 * an Error whose message says the server is not answering. */
async function api(method, path, body) {
  const headers = {};
  if (TOKEN) headers.Authorization = 'Bearer ' + TOKEN;
  const init = { method, headers };
  if (body instanceof ArrayBuffer) {
    headers['Content-Type'] = 'application/octet-stream';
    init.body = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    setConnection(false);
    throw new Error(`The server is not answering (${error.message}): is \`e2eopt serve\` still running?`);
  }
  setConnection(true);
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = { error: text.slice(0, 300) };
  }
  return { ok: response.ok, status: response.status, data };
}

/** An address for a link or a script tag (which cannot send a header): the token goes in the query. */
function withToken(path) {
  if (!TOKEN_QUERY) return path;
  return path + (path.includes('?') ? '&' : '?') + TOKEN_QUERY;
}

function setConnection(up) {
  const badge = $('connection');
  badge.textContent = up ? '' : 'The server is not answering';
  badge.classList.toggle('down', !up);
}

const FAILURES = {
  400: 'The request was refused',
  401: 'The token is missing or wrong (open the page with ?token=...)',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Cancelled, or already there',
  413: 'Too large',
  422: 'The scenario has problems',
};

/** One line for a failed answer, in words: what the status means and the server's error (the problems are
 * shown apart). */
function failure(result) {
  const error = (result.data && (result.data.error || result.data.detail)) || '';
  const said = typeof error === 'string' ? error : JSON.stringify(error);
  const what = FAILURES[result.status] || (result.status >= 500 ? `The server failed (${result.status})` : `Refused (${result.status})`);
  return said ? `${what}: ${said}` : `${what}.`;
}

function requestId() {
  return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10);
}

// ------------------------------------------------------------------------------------------- formatting

const NUMBER = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const DECIMAL = new Intl.NumberFormat('en', { maximumFractionDigits: 4 });

function money(value, currency) {
  return `${NUMBER.format(value)} ${currency}`;
}

function signedMoney(value, currency) {
  return (value > 0 ? '+' : value < 0 ? '−' : '±') + money(Math.abs(value), currency);
}

function seconds(value) {
  return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} s`;
}

/** `file:line:column  path: message` and the hint, as `e2eopt validate` prints a problem. */
function problemText(problem) {
  const where = [problem.file, problem.line, problem.column].filter((part) => part !== null && part !== undefined);
  const place = where.length ? where.join(':') + '  ' : '';
  const path = problem.path ? problem.path + ': ' : '';
  return place + path + (problem.message || '');
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// --------------------------------------------------------------------------------------------- messages

/** A message at the top of the page, kept until closed (errors are never dropped silently). */
function showMessage(text, kind = 'error') {
  const box = element('div', { class: `message ${kind}` }, element('span', { text }));
  box.append(element('button', { type: 'button', class: 'small', 'aria-label': 'Close the message', text: '×',
    onclick: () => box.remove() }));
  $('messages').append(box);
  while ($('messages').children.length > 5) $('messages').firstChild.remove();
}

function clearMessages() {
  $('messages').replaceChildren();
}

/** Runs an async action, showing what goes wrong as a message rather than losing it in the console. */
function guarded(action) {
  return (...args) => action(...args).catch((error) => showMessage(error.message || String(error)));
}

// ---------------------------------------------------------------------------------------------- plotly

let plotlyReady = null;

/** plotly.js (4.8 MB) is loaded after the page is drawn, so the lists appear at once. */
function loadPlotly() {
  if (!plotlyReady) {
    plotlyReady = new Promise((resolve, reject) => {
      const script = element('script', { src: withToken('/static/plotly.min.js') });
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => reject(new Error('plotly.js could not be loaded from /static/plotly.min.js'));
      document.head.append(script);
    });
  }
  return plotlyReady;
}

const DEFAULT_HEIGHT = 450; // px, plotly's own default, for a figure that gives none
const TITLE_SIZE = 17; // px, plotly's default title font
const CHAR_WIDTH = 0.5; // of the font size: a conservative mean width of a character of a system font

/** Draws `figure` in the div kept under `key` (made on first use): Plotly.react changes it in place. The div
 * is given the figure's height in CSS (so a chart never collapses to nothing while its column is laid out
 * again, nor overlaps what follows it), and is redrawn to its column's width whenever that changes. */
async function draw(key, figure, holder) {
  let div = state.figures.get(key);
  if (!div) {
    div = element('div', { class: 'chart plotly-graph-div', 'data-key': key });
    state.figures.set(key, div);
    chartSizes.observe(div);
  }
  holder.append(div);
  const height = (figure.layout && figure.layout.height) || DEFAULT_HEIGHT;
  div.style.height = `${height}px`;
  const width = div.clientWidth;
  if (div.drawnFigure === figure && div.drawnWidth === width) return div; // the same figure at the same width
  div.drawnFigure = figure;
  div.drawnWidth = width;
  const Plotly = await loadPlotly();
  await Plotly.react(div, figure.data || [], fitted(figure.layout || {}, width, height, div.extraTop), PLOT_CONFIG);
  await clearTitle(div);
  return div;
}

/** The server's layout for a chart `width` px wide: its height fixed, the title broken into lines that fit
 * (or a smaller font), pinned to the top, with room under it for the legend (`extraTop` px more, found by
 * `clearTitle` last time, so a redraw needs no second pass; the server's figures are not changed: a copy). */
function fitted(given, width, height, extraTop = 0) {
  const layout = Object.assign({}, given, { autosize: true, height });
  delete layout.width;
  const title = typeof given.title === 'string' ? { text: given.title } : Object.assign({}, given.title || {});
  const text = (title.text || '').replace(/<br>/g, ' ');
  if (text && width > 0) {
    let size = (title.font && title.font.size) || TITLE_SIZE;
    const room = Math.max(width - 40, 120);
    const perLine = () => Math.max(Math.floor(room / (size * CHAR_WIDTH)), 10);
    if (text.length > perLine() * 2 && size > 13) size = 13; // a long title in a narrow column: smaller
    const lines = wrapWords(text, perLine());
    title.text = lines.join('<br>');
    title.font = Object.assign({}, title.font || {}, { size });
    // its last line's foot a fixed distance from the top (plotly shifts a title anchored at its top by one line only)
    const foot = lines.length * size * 1.3;
    Object.assign(title, { x: 0.02, xanchor: 'left', xref: 'container', y: 1 - foot / height, yanchor: 'bottom', yref: 'container' });
    layout.title = title;
    const margin = Object.assign({}, given.margin || {});
    margin.t = Math.max(margin.t ?? 80, 16 + lines.length * size * 1.3 + 30) + (extraTop || 0);
    layout.margin = margin;
  }
  return layout;
}

/** `text` broken at spaces into lines of at most `width` characters (a longer word stays whole). */
function wrapWords(text, width) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** A legend on top that wraps into rows in a narrow column can reach up into the title: the plot is moved
 * down (the top margin grown) by as much as they overlap. */
async function clearTitle(div) {
  const title = div.querySelector('.gtitle');
  const legend = div.querySelector('.legend');
  if (!title || !legend || !div._fullLayout) return;
  const overlap = title.getBoundingClientRect().bottom + 4 - legend.getBoundingClientRect().top;
  const legendBox = legend.getBoundingClientRect();
  const top = Math.max(div._fullLayout.margin.t, (div._fullLayout._size || {}).t || 0); // as pushed by the legend
  if (overlap > 0 && legendBox.height > 0 && legendBox.top < div.getBoundingClientRect().top + top) {
    div.extraTop = (div.extraTop || 0) + Math.ceil(overlap); // kept for the next redraw of this chart
    await window.Plotly.relayout(div, { 'margin.t': Math.ceil(top + overlap) });
  }
}

/** Each chart is drawn again for its column's new width (a pair of columns becoming one, the window
 * resized); a chart out of the page (width 0) waits until it is back. */
const chartSizes = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const div = entry.target;
    const width = Math.round(entry.contentRect.width);
    if (!width || !div.drawnFigure || Math.abs(width - (div.drawnWidth || 0)) < 2) continue;
    requestAnimationFrame(() => {
      if (!div.isConnected || !div.drawnFigure || div.clientWidth === div.drawnWidth) return;
      div.drawnWidth = div.clientWidth;
      const figure = div.drawnFigure;
      const height = (figure.layout && figure.layout.height) || DEFAULT_HEIGHT;
      window.Plotly.react(div, figure.data || [], fitted(figure.layout || {}, div.clientWidth, height, div.extraTop), PLOT_CONFIG)
        .then(() => clearTitle(div)).catch((error) => showMessage(error.message || String(error)));
    });
  }
});

/** Forgets the charts whose keys start with `prefix` and are not in `kept`. */
function dropFigures(prefix, kept) {
  for (const [key, div] of state.figures) {
    if (key.startsWith(prefix) && !kept.has(key)) {
      if (window.Plotly) window.Plotly.purge(div);
      div.remove();
      state.figures.delete(key);
    }
  }
}

// ----------------------------------------------------------------------------------- scenarios and runs

async function loadScenarios() {
  const result = await api('GET', '/api/scenarios');
  if (!result.ok) return showMessage(failure(result));
  $('folder').textContent = `Folder: ${result.data.folder}`;
  const list = $('scenarios');
  list.replaceChildren();
  for (const item of result.data.scenarios || []) {
    const label = item.extends ? `${item.path} (extends ${item.extends})` : item.path;
    const button = element('button', { type: 'button', class: 'link', 'data-path': item.path, text: label,
      onclick: guarded(() => openScenario(item.path)) });
    if (item.valid === false) button.append(element('span', { class: 'bad', text: ' (has problems)' }));
    if (item.valid === null) button.append(element('span', { class: 'muted', text: ' (being checked)' }));
    list.append(element('li', {}, button));
  }
  if (!list.children.length) list.append(element('li', { class: 'muted', text: 'No scenario files here.' }));
  // a large file is checked in the background (valid: null): list again when it will have been
  const unchecked = (result.data.scenarios || []).some((item) => item.valid === null);
  if (unchecked && !state.listingTimer) {
    state.listingTimer = setTimeout(() => { state.listingTimer = null; loadScenarios(); }, 1500);
  }
}

async function loadRuns() {
  const result = await api('GET', '/api/runs');
  if (!result.ok) return showMessage(failure(result));
  const runs = Array.isArray(result.data) ? result.data : result.data.runs || [];
  const list = $('runs');
  list.replaceChildren();
  for (const run of runs.slice().reverse()) {
    const cost = run.total_cost === null || run.total_cost === undefined ? run.status : money(run.total_cost, run.currency);
    const button = element('button', { type: 'button', class: 'link', text: run.name,
      onclick: guarded(() => openRun(run.name)) });
    list.append(element('li', {}, button, element('div', { class: 'muted small-text', text: `${run.kind}, ${cost}` })));
  }
  if (!list.children.length) list.append(element('li', { class: 'muted', text: 'No runs yet.' }));
}

async function openRun(name) {
  const result = await api('GET', `/api/runs/${encodeURIComponent(name)}`);
  if (!result.ok) return showMessage(failure(result));
  $('workspace').hidden = true;
  $('welcome').hidden = true;
  $('run-view').hidden = false;
  $('run-title').textContent = name;
  const summary = result.data.summary || {};
  const headline = $('run-headline');
  headline.replaceChildren();
  const profit = summary.profit || {};
  // Under objective: margin the objective is cost + revenue forgone: show the total cost.
  const cost = profit.objective === 'margin' ? summary.total_cost : summary.objective;
  if (cost !== null && cost !== undefined) {
    headline.append(element('span', { class: 'cost', text: money(cost, summary.currency) }));
  }
  if (profit.revenue !== null && profit.revenue !== undefined) {
    headline.append(element('span', { class: 'change', text: `Revenue ${money(profit.revenue, summary.currency)}` }));
    headline.append(element('span', { class: 'change', text: `Margin ${money(profit.margin, summary.currency)}` }));
  }
  headline.append(element('span', { class: `status ${summary.status}`, text: summary.status || '' }));
  await drawSections(result.data.view, null, $('run-sections'), 'run');
}

/** Opens a scenario of the served folder: its text, summary and editable tables, then solves it. */
async function openScenario(path) {
  clearMessages();
  const opening = performance.now();
  const telling = setInterval(() => {  // a large scenario takes seconds to read: say so
    $('open-state').textContent = `Opening ${path}: reading and checking it, ${seconds((performance.now() - opening) / 1000)}`;
  }, 250);
  let result;
  try {
    result = await api('GET', `/api/scenario?path=${encodeURIComponent(path)}`);
  } finally {
    clearInterval(telling);
    $('open-state').textContent = '';
  }
  if (result.status === 422 && typeof result.data.yaml === 'string') {
    openBroken(result.data);  // the file does not validate: its text, to fix it here
    return;
  }
  if (!result.ok) {
    // the file cannot be opened: its located problems, where the scenario would be
    showMessage(failure(result));
    $('workspace').hidden = true;
    $('run-view').hidden = true;
    $('welcome').hidden = false;
    showProblems(result.data.problems || [], $('open-problems'));
    return;
  }
  $('open-problems').replaceChildren();
  resetWorkspace();
  state.scenario = path;
  state.info = result.data;
  history.replaceState(null, '', '?' + [TOKEN_QUERY, 'scenario=' + encodeURIComponent(path)].filter(Boolean).join('&'));
  for (const button of document.querySelectorAll('#scenarios button')) {
    button.classList.toggle('current', button.dataset.path === path);
  }
  $('scenario-title').textContent = path;
  $('scenario-extends').textContent = result.data.extends ? `extends ${result.data.extends}` : '';
  $('summary').textContent = summaryLine(result.data.summary || {});
  setYamlText(result.data.yaml || '');
  drawEditables(result.data.editable || { tables: [] });
  selectTab('plan'); // its tables (an upload or a broken file was open in the YAML tab)
  $('whatif-name').value = `whatif-${path.replace(/\.ya?ml$/, '').split('/').pop()}.yaml`;
  showSaveFile();
  await solveNow();
}

/** A file of the folder that does not validate (GET /api/scenario's 422, with its text): opened in the YAML
 * tab with its problems (a click goes to the line), not solved; "Save file" writes the fixed text over it. */
function openBroken(opened) {
  resetWorkspace();
  state.scenario = opened.path;
  state.info = { path: opened.path, yaml: opened.yaml, broken: true };
  state.yaml = opened.yaml;
  for (const button of document.querySelectorAll('#scenarios button')) {
    button.classList.toggle('current', button.dataset.path === opened.path);
  }
  $('scenario-title').textContent = `${opened.path} (has problems)`;
  $('summary').textContent = 'This file does not validate: fix its text below, then Save file (it overwrites the file) to open it.';
  setYamlText(opened.yaml);
  drawEditables({ tables: [] });
  showSaveFile();
  selectTab('yaml');
  const problems = opened.problems || [];
  $('yaml-state').textContent = `${problems.length} problem${problems.length === 1 ? '' : 's'}:`;
  showProblems(problems, $('yaml-problems'), goToLine);
  $('resolve-line').textContent = 'Not solved: the file has problems (listed in the YAML tab).';
}

/** "Save file" names the file it overwrites; it is for files of the folder (an upload is kept instead). */
function showSaveFile() {
  const button = $('save-file');
  button.hidden = !state.scenario;
  button.textContent = state.scenario ? `Save file (overwrites ${state.scenario})` : 'Save file';
}

/** Opens an uploaded YAML text (or a workbook's text): it is solved as edited text. Its tables come once it
 * is kept in the folder, so Keep is offered first (and, for a workbook, the Plan tab says so). */
async function openUploaded(name, text) {
  resetWorkspace();
  state.uploadName = name;
  state.yaml = text;
  const book = /\.xlsx$/i.test(name);
  const kept = keptName(name);
  $('scenario-title').textContent = `${name} (uploaded)`;
  $('summary').textContent = `An uploaded ${book ? 'workbook, read into a scenario' : 'scenario'}: keep it in the folder as ${kept} to edit its figures in tables, or edit its YAML text.`;
  $('keep').hidden = false;
  $('keep-name').value = kept;
  $('keep-file').classList.add('primary');
  showSaveFile();
  setYamlText(text);
  drawEditables({ tables: [] }, `Its figures are in tables once it is kept in the folder: "Keep" above keeps it as ${kept}. Its text is in the YAML tab meanwhile.`);
  selectTab(book ? 'plan' : 'yaml');
  await validateYaml();
  await solveNow();
}

/** A workbook that could not be read: only its problems (and the upload, to try again) remain on show. */
function showUnread(name, problems) {
  resetWorkspace();
  $('scenario-title').textContent = `${name} (not read)`;
  $('summary').textContent = 'The workbook could not be read: fix what is listed below in the book, then open it again.';
  setYamlText('');
  drawEditables({ tables: [] });
  for (const id of ['tabs', 'panel-plan', 'panel-yaml', 'panel-sweep', 'save-box']) $(id).hidden = true;
  showProblems(problems, $('problems'));
}

function resetWorkspace() {
  state.scenario = null;
  state.uploadName = null;
  state.info = null;
  state.edits.clear();
  state.cells.clear();
  state.yaml = null;
  state.baseKey = null;
  state.baseView = null;
  state.lastSolve = null;
  state.shown = null;
  $('welcome').hidden = true;
  $('run-view').hidden = true;
  $('workspace').hidden = false;
  for (const id of ['headline', 'report-lines', 'problems', 'sections', 'bridge-inputs', 'diagnosis', 'save-state', 'yaml-problems']) {
    $(id).replaceChildren();
  }
  $('resolve-line').textContent = '';
  $('keep').hidden = true;
  $('save-box').hidden = false;
  $('tabs').hidden = false;
  $('keep-file').classList.remove('primary');
  $('overwrite-keep').hidden = true;
  $('keep-state').textContent = '';
  $('bridge').hidden = true;
  $('diagnosis').hidden = true;
  dropFigures('plan', new Set());
}

function summaryLine(summary) {
  const parts = [];
  if (summary.currency) parts.push(`currency ${summary.currency}`);
  if (summary.periods) {
    const unit = summary.period_length === 1 || /s$/.test(summary.time_unit || '') ? summary.time_unit : `${summary.time_unit}s`;
    parts.push(`${summary.periods.length} period${summary.periods.length === 1 ? '' : 's'} of ${summary.period_length} ${unit}`);
  }
  const counts = summary.counts || {};
  const counted = ['demands', 'nodes', 'roles', 'arcs'].filter((key) => key in counts).map((key) => `${counts[key]} ${key}`);
  if (counted.length) parts.push(counted.join(', '));
  if (summary.lp) parts.push(`${summary.lp.kind || 'LP'} of ${NUMBER.format(summary.lp.variables)} variables and ${NUMBER.format(summary.lp.constraints)} constraints`);
  return parts.join(' · ');
}

// ---------------------------------------------------------------------------------------- the tables

/** Draws the editable tables, one at a time (a row of buttons picks which): an input per figure, its unit
 * in the table's caption and in each input's label. */
function drawEditables(editable, empty = 'No tables to edit here: use the YAML tab.') {
  const holder = $('editables');
  holder.replaceChildren();
  const suggestions = new Set(['demands.*.volume', 'roles.*.cost_per_fte']);
  if (!editable.tables.length) holder.append(element('p', { class: 'muted', text: empty }));
  const picker = element('div', { class: 'picker', role: 'group', 'aria-label': 'Which figures to edit' });
  if (editable.tables.length) holder.append(picker);
  if (!editable.tables.some((table) => table.name === state.tableShown)) state.tableShown = editable.tables[0]?.name;
  for (const table of editable.tables) {
    const box = element('div', { class: 'table-box editable-box', 'data-box': table.name, hidden: table.name !== state.tableShown },
      editableTable(table, suggestions));
    holder.append(box);
    picker.append(element('button', { type: 'button', 'data-show': table.name, text: table.title,
      'aria-pressed': String(table.name === state.tableShown), onclick: () => showTable(table.name) }));
  }
  $('sweep-paths').replaceChildren(...[...suggestions].map((path) => element('option', { value: path })));
  updateEditCount();
}

function showTable(name) {
  state.tableShown = name;
  for (const box of document.querySelectorAll('#editables [data-box]')) box.hidden = box.dataset.box !== name;
  for (const button of document.querySelectorAll('#editables [data-show]')) {
    button.setAttribute('aria-pressed', String(button.dataset.show === name));
  }
}

function editableTable(table, suggestions) {
  const head = element('tr', {}, ...table.columns.map((column) => element('th', { scope: 'col', text: column })));
  const body = element('tbody');
  for (const row of table.rows) {
    const line = element('tr', {}, element('th', { scope: 'row', text: row.key }));
    const columns = table.columns.slice(1);
    const cells = row.cells.length === columns.length ? row.cells : null;
    columns.forEach((column, index) => {
      const cell = cells ? cells[index] : row.cells.find((item) => item.column === column);
      line.append(cell ? element('td', {}, editableCell(table, row, column, cell)) : element('td', { class: 'muted', text: '–' }));
      if (cell) suggestions.add(cell.path);
    });
    body.append(line);
  }
  const title = table.title.replace('(empty: unlimited)', '(blank: unlimited)');
  const caption = element('caption', {}, element('strong', { text: title }),
    table.unit && !title.includes(`(${table.unit})`) ? element('span', { class: 'unit', text: ` (${table.unit})` }) : null,
    /unlimited/.test(title) ? element('div', { class: 'muted small-text',
      text: 'A blank cell is unlimited; a figure given cannot be cleared here (an edit can change a figure, not remove it): edit the YAML for that.' }) : null);
  return element('table', { class: 'editable', 'data-table': table.name }, caption, element('thead', {}, head), body);
}

function cellKey(cell) {
  return cell.period === null || cell.period === undefined ? cell.path : `${cell.path}#${cell.period}`;
}

/** The unit a column's header gives in its last parentheses: 'cost per FTE (EUR per FTE per period)'. */
function columnUnit(column) {
  const found = /\(([^()]*)\)\s*$/.exec(column);
  return found ? found[1] : '';
}

/** One figure's input, with its reset button and the place for its problem. */
function editableCell(table, row, column, cell) {
  const key = cellKey(cell);
  const unit = cell.unit || columnUnit(column) || table.unit || '';
  const label = `${table.title}: ${row.key}, ${column}${unit && !column.includes(`(${unit})`) ? ` (${unit})` : ''}`;
  const input = element('input', { type: 'text', inputmode: 'decimal', value: cell.value ?? '', 'aria-label': label,
    'data-path': cell.path, 'data-period': cell.period ?? null, size: 8 });
  const reset = element('button', { type: 'button', class: 'reset', hidden: true, title: 'Back to the base value',
    'aria-label': `Reset ${label} to ${shownValue(cell)}`, text: '↺' });
  const note = element('div', { class: 'cell-problem', role: 'note' });
  const record = { ...cell, unit, input, note, reset, label };
  state.cells.set(key, record);
  input.addEventListener('input', () => edited(key, false));
  input.addEventListener('change', () => edited(key, true));
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') resetCell(key);
  });
  reset.addEventListener('click', () => resetCell(key));
  return element('div', { class: 'cell' }, input, reset, note);
}

/** A cell's base value with its unit, as the tooltip of an edited cell says it; empty is "none". */
function shownValue(cell) {
  return cell.value === null || cell.value === undefined ? 'none (empty)' : `${cell.value} ${cell.unit}`.trim();
}

function resetCell(key) {
  const cell = state.cells.get(key);
  cell.input.value = cell.value ?? '';
  edited(key, true);
}

/** An edit: marked against the base, checked here (a number in range), then validated and solved by the server. */
function edited(key, committed) {
  const cell = state.cells.get(key);
  let typed = cell.input.value.trim();
  const given = cell.value !== null && cell.value !== undefined && cell.value !== '';
  let cleared = null;
  if (typed === '' && given) {
    // an edit sets a figure and cannot remove one: a cleared cell is the base's figure again, and says so
    cleared = `a figure given cannot be cleared here (edit the YAML): ${committed ? 'back to' : 'leaving the cell keeps'} ${shownValue(cell)}`;
    if (committed) cell.input.value = String(cell.value);
    typed = String(cell.value);
  }
  const same = typed === String(cell.value ?? '') || (typed !== '' && Number(typed) === Number(cell.value));
  if (same) state.edits.delete(key);
  else state.edits.set(key, typed);
  cell.input.classList.toggle('edited', !same);
  cell.reset.hidden = same;
  cell.input.title = same ? '' : `base: ${shownValue(cell)}`;
  const problem = localProblem(cell, typed);
  cell.cleared = cleared; // kept beside the cell until it is edited again (markCells keeps it)
  cell.note.textContent = problem || cleared || '';
  cell.input.setAttribute('aria-invalid', problem ? 'true' : 'false');
  updateEditCount();
  scheduleSolve(committed ? 0 : SOLVE_DELAY_MS);
}

/** What is wrong with a typed figure before the server is asked: empty, not a number, out of its range. */
function localProblem(cell, typed) {
  if (typed === '') return `${cell.path}: a number is needed`;
  const value = Number(typed);
  if (!Number.isFinite(value)) return `${cell.path}: '${typed}' is not a number`;
  if (cell.min !== null && cell.min !== undefined && value < cell.min) return `${cell.path}: at least ${cell.min} ${cell.unit}`.trim();
  if (cell.max !== null && cell.max !== undefined && value > cell.max) return `${cell.path}: at most ${cell.max} ${cell.unit}`.trim();
  return null;
}

function updateEditCount() {
  const count = state.edits.size;
  $('edit-count').textContent = count ? `${count} figure${count === 1 ? '' : 's'} edited` : 'No edits: the base plan';
}

/** The edits as `set` overrides: a per-period figure is sent whole, as a list. */
function overrides() {
  const set = {};
  const lists = new Map();
  for (const [key, typed] of state.edits) {
    const cell = state.cells.get(key);
    if (cell.period === null || cell.period === undefined) {
      set[cell.path] = typed.startsWith('-') ? `=${typed}` : typed; // a bare -5 would lower the figure by 5
    } else {
      lists.set(cell.path, true);
    }
  }
  for (const path of lists.keys()) {
    const periods = [...state.cells.values()].filter((cell) => cell.path === path && cell.period !== null && cell.period !== undefined)
      .sort((a, b) => a.period - b.period);
    set[path] = '[' + periods.map((cell) => state.edits.get(cellKey(cell)) ?? String(cell.value)).join(', ') + ']';
  }
  return set;
}

function anyLocalProblem() {
  for (const key of state.edits.keys()) {
    const cell = state.cells.get(key);
    const problem = localProblem(cell, state.edits.get(key));
    if (problem) return problem;
  }
  return null;
}

/** The scenario request for the current edits: the file (or the edited text) and the `set`. */
function scenarioRequest() {
  const request = { set: overrides(), remove: [] };
  if (state.scenario) request.scenario = state.scenario;
  if (state.yaml !== null) request.yaml = state.yaml;
  return request;
}

function baseKey() {
  return `${state.scenario}\n${state.yaml ?? ''}`;
}

// ---------------------------------------------------------------------------------------------- solving

/** After an edit: solve when typing pauses (a solve checks the edits as validate does, and answers 422 with
 * the same located problems); with "Solve as I type" off, only check them (POST /api/validate). */
function scheduleSolve(delay) {
  clearTimeout(state.solveTimer);
  const next = $('auto-solve').checked ? solveNow : validateEdits;
  state.solveTimer = setTimeout(guarded(next), delay);
}

/** The edits checked by the server without solving: their problems listed, and beside their cells. */
async function validateEdits() {
  if (!state.scenario && state.yaml === null) return;
  const local = anyLocalProblem();
  if (local) {
    ++state.validateSeq; // a check or a solve still on its way answers for earlier figures: it must not
    state.solveSeq++; //    clear these problems (nor draw its plan as the edits')
    showProblems([{ message: local }], $('problems'));
    showUnsolved(localProblemCount());
    return;
  }
  const seq = ++state.validateSeq;
  const result = await api('POST', '/api/validate', { ...scenarioRequest(), lp: false });
  if (seq !== state.validateSeq) return;
  if (!result.ok && result.status !== 422) showMessage(failure(result));
  const problems = result.ok ? [] : result.data.problems || [];
  showProblems(problems, $('problems'));
  markCells(problems);
  if (problems.length) showUnsolved(problems.length);
  else if (!restoreShown()) showUnsolved(0, 'edits not solved yet');
  $('resolve-line').textContent = problems.length ? 'The edits have problems (listed below).' : 'The edits are valid: Solve to see the plan.';
}

/** The number of edited cells whose figure is wrong here (empty, not a number, out of range). */
function localProblemCount() {
  return [...state.edits.keys()].filter((key) => localProblem(state.cells.get(key), state.edits.get(key))).length;
}

/** The status bar when the figures on screen are not those of the plan shown: it says so (never the last
 * answer's status and cost as if they were the edits'), and the diagnosis of an earlier answer goes. */
function showUnsolved(problems, what = 'edits not solved') {
  const headline = $('headline');
  const said = problems ? `${what}: ${problems} problem${problems === 1 ? '' : 's'}` : what;
  const last = state.shown && state.shown.plan.objective !== null && state.shown.plan.objective !== undefined
    ? `the plan below is of the earlier figures (${money(state.shown.plan.objective, state.shown.plan.currency || '')})`
    : 'the plan below is of the earlier figures';
  headline.replaceChildren(element('span', { class: 'status unsolved', text: 'not solved' }),
    element('span', { id: 'unsolved', class: 'cost', text: said[0].toUpperCase() + said.slice(1) }),
    state.shown ? element('span', { class: 'muted', text: last }) : null);
  $('resolve-line').textContent = problems ? 'Not solved: the problems are listed below.' : '';
  drawDiagnosis(null, null);
}

/** The key of what the status bar's answer was for: the request (file, text, edits). */
function requestKey() {
  return JSON.stringify(scenarioRequest());
}

/** The last answer back in the status bar when the figures are again those it answered; true if so. */
function restoreShown() {
  if (!state.shown || state.shown.key !== requestKey()) return false;
  drawHeadline(state.shown.plan, state.shown.wall, state.shown.seq);
  return true;
}

/** Solves the current what-if in two steps: the plan alone (its cost is on screen as soon as HiGHS is done),
 * then the same plan with the report's charts (and the base's, once per base), which take the server longer
 * to draw than the re-solve itself. A later edit makes both answers stale, and a stale answer is not drawn. */
async function solveNow() {
  clearTimeout(state.solveTimer);
  if (!state.scenario && state.yaml === null) return;
  const local = anyLocalProblem();
  if (local) {
    state.solveSeq++; // an answer still on its way is of earlier figures: not drawn
    showProblems([{ message: local }], $('problems'));
    showUnsolved(localProblemCount());
    return;
  }
  const seq = ++state.solveSeq;
  const started = performance.now();
  const request = scenarioRequest();
  $('headline').classList.add('busy');
  const plan = await solveRequest(seq, { view: false, base_view: false }, 'Solving');
  if (seq === state.solveSeq) $('headline').classList.remove('busy');
  if (!plan) return;
  const wall = (performance.now() - started) / 1000;
  state.shown = { key: JSON.stringify(request), plan, wall, seq };
  drawHeadline(plan, wall, seq);
  const wantBase = state.baseKey !== baseKey();
  $('sections').classList.add('busy');
  const full = await solveRequest(seq, { view: true, base_view: wantBase }, 'Drawing the charts');
  if (seq === state.solveSeq) $('sections').classList.remove('busy');
  if (!full) return;
  if (wantBase && full.base_view) {
    state.baseKey = baseKey();
    state.baseView = full.base_view;
  }
  state.lastSolve = full;
  await drawCharts(full, seq);
}

/** One POST /api/solve for the current edits; its answer, or null when it is stale or failed (then shown). */
async function solveRequest(seq, extra, what) {
  const request = { ...scenarioRequest(), request_id: requestId(), ...extra };
  watchProgress(request.request_id, what);
  let result;
  try {
    result = await api('POST', '/api/solve', request);
  } finally {
    stopProgress(request.request_id);
  }
  if (seq !== state.solveSeq) return null; // a later edit has been sent: this answer is already out of date
  if (result.status === 409) {
    $('resolve-line').textContent = 'Cancelled.';
    return null;
  }
  if (!result.ok) {
    showProblems(result.data.problems || [], $('problems'));
    markCells(result.data.problems || []);
    if (state.yaml !== null) showProblems(result.data.problems || [], $('yaml-problems'), goToLine);
    if (result.status !== 422) showMessage(failure(result));
    else showUnsolved((result.data.problems || []).length || 1, state.yaml !== null && !hasEdits() ? 'text not solved' : 'edits not solved');
    return null;
  }
  showProblems([], $('problems'));
  markCells([]);
  return result.data;
}

/** The plan's headline: its status, total cost and change against the base, how it was solved, and (when no
 * plan meets the targets) what it would take. */
function drawHeadline(answer, wall, seq) {
  const headline = $('headline');
  headline.replaceChildren();
  const currency = answer.currency || '';
  const solved = answer.objective !== null && answer.objective !== undefined;
  headline.append(element('span', { class: `status ${answer.status}`, text: answer.status }));
  if (solved) {
    // Under objective: margin the LP's objective is cost + revenue forgone: show the total cost.
    const margin = answer.profit && answer.profit.objective === 'margin';
    const cost = margin ? answer.total_cost : answer.objective;
    headline.append(element('span', { id: 'total-cost', class: 'cost', 'data-value': cost,
      text: `Total cost ${money(cost, currency)}` }));
    const base = margin || answer.base_is_margin ? answer.base_total_cost : answer.base_objective;
    if (base !== null && base !== undefined && (hasEdits() || state.yaml !== null)) {
      const change = cost - base;
      const share = base ? ` (${change >= 0 ? '+' : '−'}${Math.abs((100 * change) / base).toFixed(2)} %)` : '';
      headline.append(element('span', { id: 'cost-change', class: 'change', 'data-value': change,
        text: `${signedMoney(change, currency)}${share} against the base (${money(base, currency)})` }));
    }
    const profit = answer.profit || {};
    if (profit.revenue !== null && profit.revenue !== undefined) { // some demand has a price
      headline.append(element('span', { id: 'revenue', class: 'change', 'data-value': profit.revenue,
        text: `Revenue ${money(profit.revenue, currency)}` }));
      headline.append(element('span', { id: 'margin', class: 'cost', 'data-value': profit.margin,
        text: `Margin ${money(profit.margin, currency)}` }));
    }
    const solver = answer.solver || {};
    if (solver.mip && solver.mip_gap !== null && solver.mip_gap !== undefined) {
      headline.append(element('span', { id: 'mip-gap', class: 'change', 'data-value': solver.mip_gap,
        text: `MILP gap ${(100 * solver.mip_gap).toFixed(2)} %` }));
    }
  } else {
    headline.append(element('span', { id: 'total-cost', class: 'cost', text: 'No plan' }));
  }
  $('resolve-line').textContent = resolveText(answer.resolve, wall);
  drawDiagnosis(answer.diagnosis, answer.status);
  headline.dataset.seq = String(seq); // which answer is on screen (for the benchmark and the tests)
}

/** The answer's charts: the report's headline lines, the bridge from the base, the sections beside the base's. */
async function drawCharts(answer, seq) {
  const lines = (answer.view && answer.view.headline) || [];
  $('report-lines').replaceChildren(...lines.map((line) => element('li', { text: line })));
  await drawBridge(answer.bridge);
  if (seq !== state.solveSeq) return;
  await drawSections(answer.view, hasEdits() ? state.baseView : null, $('sections'), 'plan');
  if (seq === state.solveSeq) document.body.dataset.drawn = String(seq); // every chart of this answer is drawn
}

function hasEdits() {
  return state.edits.size > 0;
}

/** "re-solved in place in 0.12 s" or "rebuilt (why) in 1.3 s", and the time to the answer on screen. */
function resolveText(resolve, wall) {
  if (!resolve) return `Answered in ${seconds(wall)}.`;
  if (resolve.reused) {
    const highs = resolve.highs_seconds !== null && resolve.highs_seconds !== undefined ? ` (HiGHS ${seconds(resolve.highs_seconds)})` : '';
    return `Solved a moment ago for the same figures${highs}, the server's answer kept: on the server ${seconds(resolve.seconds ?? wall)}, on screen in ${seconds(wall)}.`;
  }
  const took = resolve.seconds !== undefined ? seconds(resolve.seconds) : seconds(wall);
  const highs = resolve.highs_seconds !== null && resolve.highs_seconds !== undefined ? `, HiGHS ${seconds(resolve.highs_seconds)}` : '';
  const how = resolve.how === 're-solve' ? 'Re-solved in place'
    : resolve.how === 'rebuild' ? `Rebuilt${resolve.why ? ` (${resolve.why})` : ''}`
    : `First solve${resolve.why ? ` (${resolve.why})` : ''}`;
  return `${how} in ${took} on the server${highs}; on screen in ${seconds(wall)}.`;
}

/** An infeasible plan: what it would take, in the diagnosis's own sentences. */
function drawDiagnosis(diagnosis, status) {
  const box = $('diagnosis');
  box.replaceChildren();
  const sentences = (diagnosis || []).map((item) => (typeof item === 'string' ? item : item.sentence || JSON.stringify(item)));
  box.hidden = !sentences.length && status !== 'infeasible';
  if (box.hidden) return;
  box.append(element('h3', { text: status === 'infeasible' ? 'No plan meets every target: what it would take' : 'What it would take' }));
  if (!sentences.length) box.append(element('p', { text: 'The server gave no diagnosis for this plan.' }));
  box.append(element('ul', {}, ...sentences.map((sentence) => element('li', { text: sentence }))));
}

async function drawBridge(bridge) {
  $('bridge').hidden = !bridge;
  if (!bridge) {
    dropFigures('bridge', new Set());
    return;
  }
  if (bridge.figure) await draw('bridge', bridge.figure, $('bridge-chart'));
  const inputs = bridge.inputs;
  const holder = $('bridge-inputs');
  holder.replaceChildren();
  if (inputs && Array.isArray(inputs.rows)) {
    holder.append(drawTable({ caption: 'The inputs changed', columns: inputs.columns, rows: inputs.rows }));
  } else if (Array.isArray(inputs) && inputs.length) {
    holder.append(element('p', { class: 'muted', text: `Inputs changed: ${inputs.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join('; ')}` }));
  }
  for (const note of bridge.notes || []) holder.append(element('p', { class: 'muted', text: note }));
}

/** The report's sections: each figure of the what-if beside the same figure of the base (when given). */
async function drawSections(view, base, holder, prefix) {
  const kept = new Set();
  const sections = (view && view.sections) || [];
  const baseSections = new Map(((base && base.sections) || []).map((section) => [section.title, section]));
  const blocks = [];
  for (const section of sections) {
    const found = base ? baseSections.get(section.title) : null;
    const shows = (item) => Boolean(item && ((item.figures || []).length || (item.tables || []).length));
    const twin = found && (shows(section) || shows(found)) ? found : null; // no pair of empty columns
    const block = element('section', { class: 'report-section' }, element('h3', { text: section.title }));
    for (const line of section.intro || []) block.append(element('p', { class: 'intro', text: line }));
    const pair = element('div', { class: twin ? 'pair' : 'single' });
    const mine = element('div', { class: 'column' }, twin ? element('h4', { text: 'What-if' }) : null);
    pair.append(mine);
    let theirs = null;
    if (twin) {
      theirs = element('div', { class: 'column' }, element('h4', { text: 'Base' }));
      pair.append(theirs);
    }
    block.append(pair);
    blocks.push({ section, twin, mine, theirs, block });
  }
  holder.replaceChildren(...blocks.map((item) => item.block));
  for (const { section, twin, mine, theirs } of blocks) {
    for (const [number, figure] of (section.figures || []).entries()) {
      const key = `${prefix}|${section.title}|${number}`;
      kept.add(key);
      await draw(key, figure, mine);
    }
    for (const table of section.tables || []) mine.append(drawTable(table));
    if (!twin) continue;
    for (const [number, figure] of (twin.figures || []).entries()) {
      const key = `${prefix}-base|${twin.title}|${number}`;
      kept.add(key);
      await draw(key, figure, theirs);
    }
    for (const table of twin.tables || []) theirs.append(drawTable(table));
  }
  dropFigures(prefix + '|', kept);
  dropFigures(prefix + '-base|', kept);
}

function drawTable(table) {
  const head = element('tr', {}, ...table.columns.map((column) => element('th', { scope: 'col', text: column })));
  const rows = table.rows.map((row) => element('tr', {}, ...row.map((cell) => element('td', {
    text: typeof cell === 'number' ? DECIMAL.format(cell) : String(cell ?? '') }))));
  return element('div', { class: 'table-box' }, element('table', { class: 'data' },
    table.caption ? element('caption', { text: table.caption }) : null, element('thead', {}, head), element('tbody', {}, ...rows)));
}

/** Located problems, one a line, as `e2eopt validate` prints them; `onpick` makes each a link. */
function showProblems(problems, list, onpick) {
  list.replaceChildren(...problems.map((problem) => {
    const text = problemText(problem);
    const hint = problem.hint ? element('div', { class: 'hint', text: problem.hint }) : null;
    if (onpick && problem.line) {
      return element('li', {}, element('button', { type: 'button', class: 'link', text, onclick: () => onpick(problem) }), hint);
    }
    return element('li', {}, element('span', { text }), hint);
  }));
}

/** A problem whose field path is a cell's is also shown beside that cell. */
function markCells(problems) {
  for (const cell of state.cells.values()) {
    const mine = problems.filter((problem) => problem.path && (problem.path === cell.path || problem.path.startsWith(cell.path + '[')));
    const local = state.edits.has(cellKey(cell)) ? localProblem(cell, state.edits.get(cellKey(cell))) : null;
    const wrong = local || mine.map((problem) => problem.message).join('; ');
    cell.note.textContent = wrong || cell.cleared || '';
    cell.input.setAttribute('aria-invalid', wrong ? 'true' : 'false');
  }
}

// --------------------------------------------------------------------------------------------- progress

/** After a moment, a running request shows its phase and elapsed time, polled from /api/progress. */
function watchProgress(id, what) {
  stopProgress();
  const progress = { id, what, started: performance.now(), timer: null };
  state.progress = progress;
  const poll = async () => {
    if (state.progress !== progress) return;
    $('progress').hidden = false;
    let result;
    try {
      result = await api('GET', `/api/progress/${encodeURIComponent(id)}`);
    } catch (error) {
      $('progress-text').textContent = error.message;
      progress.timer = setTimeout(poll, POLL_MS * 5);
      return;
    }
    if (state.progress !== progress) return;
    // 'unknown': the server has not started on it yet (it waits for the warm model's lock)
    const info = result.ok && result.data.state !== 'unknown' ? result.data : { phase: 'waiting for the server' };
    const elapsed = info.seconds ?? (performance.now() - progress.started) / 1000;
    const bar = $('progress-bar');
    if (info.total) {
      bar.max = info.total;
      bar.value = info.done || 0;
    } else {
      bar.removeAttribute('value');
    }
    // before the server has counted the work it says 0 of 1: "starting…" until it tells the total
    const counting = !info.done && (info.total || 0) <= 1;
    if (counting) bar.removeAttribute('value');
    const counted = info.total && !counting ? `, ${info.done || 0} of ${info.total}` : '';
    const phase = counting && (!info.phase || info.phase === 'start') ? 'starting…' : info.phase || info.state || 'waiting';
    $('progress-text').textContent = `${what}: ${phase}${counted}, ${seconds(elapsed)}`;
    progress.timer = setTimeout(poll, POLL_MS);
  };
  progress.timer = setTimeout(poll, PROGRESS_AFTER_MS);
}

function stopProgress(id) {
  const progress = state.progress;
  if (!progress || (id && progress.id !== id)) return;
  clearTimeout(progress.timer);
  state.progress = null;
  $('progress').hidden = true;
}

async function cancelRunning() {
  const progress = state.progress;
  if (!progress) return;
  $('progress-text').textContent = `${progress.what}: cancelling…`;
  const result = await api('POST', `/api/cancel/${encodeURIComponent(progress.id)}`);
  if (!result.ok) showMessage(failure(result));
  else if (!result.data.cancelled) showMessage('Nothing to cancel: the request had already finished.', 'info');
}

// ------------------------------------------------------------------------------------------------ YAML

function setYamlText(text) {
  $('yaml-text').value = text;
  drawLineNumbers();
  $('yaml-state').textContent = '';
}

function drawLineNumbers() {
  const count = $('yaml-text').value.split('\n').length;
  $('yaml-lines').textContent = Array.from({ length: count }, (_, index) => index + 1).join('\n');
  $('yaml-lines').scrollTop = $('yaml-text').scrollTop;
}

/** The text as typed is checked by the server (POST /api/validate) when typing pauses. */
async function validateYaml() {
  const seq = ++state.yamlSeq;
  const request = { yaml: $('yaml-text').value, set: overrides(), remove: [], lp: false };
  if (state.scenario) request.scenario = state.scenario;
  $('yaml-state').textContent = 'Checking…';
  const result = await api('POST', '/api/validate', request);
  if (seq !== state.yamlSeq) return;
  const problems = result.data.problems || [];
  const solvedText = state.yaml ?? (state.info && state.info.yaml);
  const changed = request.yaml !== solvedText;
  if (result.ok) {
    $('yaml-state').textContent = 'The text is valid.';
    if (changed) showUnsolved(0, 'text edited, not solved: Solve this text');
    else restoreShown();
  } else if (result.status === 422) {
    $('yaml-state').textContent = `${problems.length} problem${problems.length === 1 ? '' : 's'}:`;
    if (changed || !(state.info && state.info.broken)) showUnsolved(problems.length || 1, 'text not solved');
  } else {
    $('yaml-state').textContent = '';
    showMessage(failure(result));
  }
  showProblems(problems, $('yaml-problems'), goToLine);
}

/** Selects line `problem.line` of the text, so a click on a problem lands where it is. */
function goToLine(problem) {
  const area = $('yaml-text');
  const lines = area.value.split('\n');
  const line = Math.min(Math.max(problem.line, 1), lines.length);
  const start = lines.slice(0, line - 1).reduce((total, text) => total + text.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + lines[line - 1].length);
  const height = area.scrollHeight / lines.length;
  area.scrollTop = Math.max(0, (line - 5) * height);
  drawLineNumbers();
}

let escaped = false;

/** Tab inserts two spaces (YAML's indent); after Escape, Tab leaves the editor as usual. */
function yamlKeys(event) {
  if (event.key === 'Escape') {
    escaped = true;
    return;
  }
  if (event.key === 'Tab' && !escaped && !event.shiftKey) {
    event.preventDefault();
    const area = event.target;
    area.setRangeText('  ', area.selectionStart, area.selectionEnd, 'end');
    area.dispatchEvent(new Event('input'));
  }
  escaped = false;
}

async function solveYaml() {
  state.yaml = $('yaml-text').value;
  if (!state.scenario && !state.uploadName) return;
  await solveNow();
}

async function revertYaml() {
  if (!state.info) return;
  setYamlText(state.info.yaml || '');
  if (state.info.broken) { // the file does not validate: its text again, checked, not solved
    state.yaml = state.info.yaml;
    await validateYaml();
    return;
  }
  state.yaml = null;
  showProblems([], $('yaml-problems'));
  await solveNow();
}

// ----------------------------------------------------------------------------------------------- sweep

/** The unit of the figures a path names, from the editable tables (a path may hold wildcards). */
function unitOf(path) {
  const pattern = new RegExp('^' + path.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^.]+') + '$');
  for (const cell of state.cells.values()) if (pattern.test(cell.path) && cell.unit) return cell.unit;
  return '';
}

async function runSweep() {
  if (!state.scenario && state.yaml === null) return;
  const request = scenarioRequest();
  request.path = $('sweep-path').value.trim();
  request.values = $('sweep-values').value.trim();
  request.request_id = requestId();
  $('sweep-run').disabled = true;
  dropFigures('sweep', new Set()); // the previous sweep's curve is not this one's
  $('sweep-table').replaceChildren(element('p', { class: 'muted', text: 'Sweeping…' }));
  watchProgress(request.request_id, 'Sweep');
  let result;
  try {
    result = await api('POST', '/api/sweep', request);
  } finally {
    stopProgress(request.request_id);
    $('sweep-run').disabled = false;
  }
  // a cancelled sweep answers with the points done (200 and `cancelled`), or, from an older server, 409
  const points = (result.data && result.data.points) || [];
  if (result.status === 409 || (result.ok && result.data.cancelled && !points.length)) {
    if (points.length) {
      await drawSweep({ ...result.data, path: result.data.path || request.path, cancelled: true });
      return;
    }
    $('sweep-table').replaceChildren(element('p', { text: 'The sweep was cancelled before a point was done.' }));
    return;
  }
  if (!result.ok) {
    $('sweep-table').replaceChildren(element('ul', { class: 'problems' }));
    showProblems(result.data.problems || [], $('sweep-table').firstChild);
    showMessage(failure(result));
    return;
  }
  await drawSweep(result.data);
}

/** The curve: total cost against the value set; points with no plan are marked on the axis. */
async function drawSweep(answer) {
  const points = answer.points || [];
  const currency = points.map((point) => point.currency).find(Boolean) || (state.lastSolve && state.lastSolve.currency) || '';
  const unit = unitOf(answer.path);
  const solved = points.filter((point) => point.objective !== null && point.objective !== undefined);
  const unsolved = points.filter((point) => point.objective === null || point.objective === undefined);
  const floor = solved.length ? Math.min(...solved.map((point) => point.objective)) : 0;
  const label = (point) => String(point.value);
  const figure = {
    data: [
      { type: 'scatter', mode: 'lines+markers', name: 'total cost', x: solved.map(label), y: solved.map((point) => point.objective),
        hovertemplate: `%{x}: %{y:,.0f} ${currency}<extra></extra>` },
      { type: 'scatter', mode: 'markers', name: 'no plan', x: unsolved.map(label), y: unsolved.map(() => floor),
        marker: { symbol: 'x', size: 12, color: '#c0392b' }, text: unsolved.map((point) => point.status),
        hovertemplate: '%{x}: %{text}<extra></extra>' },
    ],
    layout: {
      title: { text: `Total cost as ${answer.path} varies${answer.cancelled ? ' (cancelled part-way)' : ''}` },
      xaxis: { title: { text: `${answer.path}: value set${unit ? ` (${unit}, or a change of the base)` : ''}` }, type: 'category',
        categoryorder: 'array', categoryarray: points.map(label) },
      yaxis: { title: { text: `total cost (${currency})` } },
      height: 420,
      margin: { t: 60, l: 90, r: 20, b: 80 },
    },
  };
  await draw('sweep', figure, $('sweep-chart'));
  $('sweep-table').replaceChildren(drawTable({
    caption: `${points.length} point${points.length === 1 ? '' : 's'}${answer.cancelled ? ', cancelled part-way' : ''}`,
    columns: ['value', 'status', `total cost (${currency})`],
    rows: points.map((point) => [label(point), point.status,
      point.objective === null || point.objective === undefined ? '–' : NUMBER.format(point.objective)]),
  }));
}

// ------------------------------------------------------------------------------------------------ save

async function saveWhatIf(overwrite) {
  $('overwrite-whatif').hidden = true;
  if (!state.scenario) return showMessage('Only a scenario of the served folder can be the base of a saved what-if.');
  if (state.yaml !== null) {
    return showMessage('A saved what-if extends the file on disk; the YAML text edited here is not in it. Go back to the file\'s text first.');
  }
  const name = $('whatif-name').value.trim();
  const result = await api('POST', '/api/save/whatif', { base: state.scenario, set: overrides(), remove: [], name, overwrite });
  if (result.status === 409 && !overwrite) {
    $('save-state').textContent = `${name} exists already.`;
    $('overwrite-whatif').hidden = false;
    $('overwrite-whatif').focus();
    return;
  }
  if (!result.ok) {
    $('save-state').textContent = failure(result);
    showProblems(result.data.problems || [], $('problems'));
    return;
  }
  $('save-state').textContent = `What-if written to ${result.data.path}.`;
  await loadScenarios();
}

async function saveRun() {
  if (!state.scenario && state.yaml === null) return;
  $('save-state').textContent = 'Solving and writing the run folder…';
  const request = scenarioRequest();
  request.request_id = requestId();
  const result = await api('POST', '/api/save/run', request);
  if (!result.ok) {
    $('save-state').textContent = failure(result);
    showProblems(result.data.problems || [], $('problems'));
    return;
  }
  $('save-state').textContent = `Run folder written: ${result.data.run_folder}.`;
  await loadRuns();
}

/** The what-if on screen (the file or the text, with the edits) as an Excel workbook (POST /api/template),
 * saved by the browser; a refusal is shown with its located problems. */
async function downloadWorkbook() {
  if (!state.scenario && state.yaml === null) return;
  const headers = { 'Content-Type': 'application/json' };
  if (TOKEN) headers.Authorization = 'Bearer ' + TOKEN;
  const request = scenarioRequest();
  if (!state.scenario) request.scenario = keptName(state.uploadName || 'upload.yaml');
  let response;
  try {
    response = await fetch('/api/template', { method: 'POST', headers, body: JSON.stringify(request) });
  } catch (error) {
    setConnection(false);
    throw new Error(`The server is not answering (${error.message}): is \`e2eopt serve\` still running?`);
  }
  if (!response.ok) {
    const text = await response.text();
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      data = { error: text.slice(0, 300) };
    }
    showMessage(failure({ status: response.status, data }));
    showProblems(data.problems || [], $('problems'));
    return;
  }
  const shown = state.scenario || state.uploadName || 'scenario';
  const named = shown.split('/').pop().replace(/\.(ya?ml|xlsx)$/i, '') + (hasEdits() ? '-whatif' : '') + '.xlsx';
  const link = element('a', { href: URL.createObjectURL(await response.blob()), download: named });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  $('save-state').textContent = `Workbook of ${shown}${hasEdits() ? ' with the edits' : ''} downloaded as ${named}.`;
}

/** The file name an upload is kept as: plan.xlsx -> plan.yaml; a YAML file keeps its name. */
function keptName(name) {
  const stem = name.split(/[\\/]/).pop().replace(/\.(ya?ml|xlsx)$/i, '');
  const plain = stem.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'scenario';
  return /\.yml$/i.test(name) ? `${plain}.yml` : `${plain}.yaml`;
}

/** Writes `text` as the file `name` of the folder (POST /api/save/scenario); then opens it as any file. A
 * refusal is shown where `where` says, with its problems in the YAML tab; 409 asks before overwriting. */
async function saveScenarioText(name, text, overwrite, where) {
  const result = await api('POST', '/api/save/scenario', { name, yaml: text, overwrite });
  if (result.status === 409 && !overwrite && where.overwrite) {
    where.state.textContent = `${name} exists already: overwrite it?`;
    where.overwrite.hidden = false;
    where.overwrite.focus();
    return false;
  }
  if (!result.ok) {
    where.state.textContent = failure(result);
    const problems = result.data.problems || [];
    if (problems.length) {
      selectTab('yaml');
      $('yaml-state').textContent = `Not saved: ${problems.length} problem${problems.length === 1 ? '' : 's'}:`;
      showProblems(problems, $('yaml-problems'), goToLine);
    }
    return false;
  }
  await loadScenarios();
  await openScenario(result.data.path);
  $('save-state').textContent = `Saved as ${result.data.path}.`;
  return true;
}

/** The uploaded scenario kept in the served folder, to be edited like any of its files. */
async function keepUpload(overwrite) {
  $('overwrite-keep').hidden = true;
  const name = $('keep-name').value.trim();
  await saveScenarioText(name, $('yaml-text').value, overwrite, { state: $('keep-state'), overwrite: $('overwrite-keep') });
}

/** The YAML tab's text written over the open file (only if it is valid). */
async function saveFile() {
  if (!state.scenario) return;
  await saveScenarioText(state.scenario, $('yaml-text').value, true, { state: $('yaml-state'), overwrite: null });
}

async function upload(event) {
  const file = event.target.files[0];
  if (!file) return;
  event.target.value = '';
  if (/\.xlsx$/i.test(file.name)) {
    const result = await api('POST', `/api/import?name=${encodeURIComponent(file.name)}`, await file.arrayBuffer());
    if (!result.ok) {
      showMessage(failure(result));
      showUnread(file.name, result.data.problems || []);
      return;
    }
    await openUploaded(file.name, result.data.yaml);
  } else {
    await openUploaded(file.name, await file.text());
  }
}

// ------------------------------------------------------------------------------------------------ tabs

function selectTab(name) {
  for (const tab of ['plan', 'yaml', 'sweep']) {
    const selected = tab === name;
    $(`tab-${tab}`).setAttribute('aria-selected', String(selected));
    $(`tab-${tab}`).tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
  }
  if (name === 'yaml') drawLineNumbers();
}

function tabKeys(event) {
  const order = ['plan', 'yaml', 'sweep'];
  const current = order.indexOf(event.target.id.replace('tab-', ''));
  const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
  if (step === undefined) return;
  const next = order[(current + step + order.length) % order.length];
  selectTab(next);
  $(`tab-${next}`).focus();
}

// ------------------------------------------------------------------------------------------------ start

function wire() {
  for (const tab of ['plan', 'yaml', 'sweep']) {
    $(`tab-${tab}`).addEventListener('click', () => selectTab(tab));
    $(`tab-${tab}`).addEventListener('keydown', tabKeys);
  }
  $('solve').addEventListener('click', guarded(solveNow));
  $('auto-solve').addEventListener('change', () => scheduleSolve(0));
  $('reset-all').addEventListener('click', () => {
    for (const key of [...state.edits.keys()]) {
      const cell = state.cells.get(key);
      cell.input.value = cell.value ?? '';
      edited(key, false);
    }
    scheduleSolve(0);
  });
  $('cancel').addEventListener('click', guarded(cancelRunning));
  const area = $('yaml-text');
  area.addEventListener('input', () => {
    drawLineNumbers();
    clearTimeout(state.validateTimer);
    state.validateTimer = setTimeout(guarded(validateYaml), VALIDATE_DELAY_MS);
  });
  area.addEventListener('scroll', () => { $('yaml-lines').scrollTop = area.scrollTop; });
  area.addEventListener('keydown', yamlKeys);
  $('solve-yaml').addEventListener('click', guarded(solveYaml));
  $('revert-yaml').addEventListener('click', guarded(revertYaml));
  $('sweep-run').addEventListener('click', guarded(runSweep));
  $('save-whatif').addEventListener('click', guarded(() => saveWhatIf(false)));
  $('overwrite-whatif').addEventListener('click', guarded(() => saveWhatIf(true)));
  $('save-run').addEventListener('click', guarded(saveRun));
  $('download-xlsx').addEventListener('click', guarded(downloadWorkbook));
  $('keep-file').addEventListener('click', guarded(() => keepUpload(false)));
  $('overwrite-keep').addEventListener('click', guarded(() => keepUpload(true)));
  $('save-file').addEventListener('click', guarded(saveFile));
  $('refresh-runs').addEventListener('click', guarded(loadRuns));
  $('upload').addEventListener('change', guarded(upload));
}

async function start() {
  wire();
  await Promise.all([loadScenarios(), loadRuns()]);
  loadPlotly().catch((error) => showMessage(error.message)); // after the lists: parsing it holds the page up
  const wanted = params.get('scenario');
  if (wanted) await openScenario(wanted);
  document.body.dataset.ready = 'true';
}

guarded(start)();
