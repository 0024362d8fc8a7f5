/**
 * Building the page's DOM. Every piece of data (study names, parameter
 * names, attribute values) goes in as text — `textContent` or a text node —
 * never through innerHTML, so a study named `<script>` shows as those
 * characters and runs nothing.
 */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

/**
 * An element with attributes (`on*` keys add listeners) and children (strings become text nodes).
 *
 * @example el('a', { href: '#/', class: 'back' }, 'studies')
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') node.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, String(value));
  }
  append(node, ...children);
  return node;
}

export function append(node: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `node`. */
export function replace(node: Node, ...children: Child[]): void {
  while (node.firstChild) node.removeChild(node.firstChild);
  append(node, ...children);
}

/** A section with a heading, holding `children`. */
export function section(title: string, ...children: Child[]): HTMLElement {
  return el('section', { class: 'panel' }, el('h2', {}, title), ...children);
}

/** A two-column table of label → value. */
export function facts(rows: [string, Child][]): HTMLTableElement {
  return el('table', { class: 'facts' }, el('tbody', {}, ...rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v)))));
}

/** A link inside the page (hash routes). */
export function link(route: string, ...children: Child[]): HTMLAnchorElement {
  return el('a', { href: `#${route}` }, ...children);
}

/** A small coloured label for a trial's or study's state. */
export function badge(state: string): HTMLElement {
  return el('span', { class: `badge state-${state.replace(/[^a-z]/g, '')}` }, state);
}

/** Saves `data` as a file called `name`. */
export function saveFile(name: string, data: Blob): void {
  const url = URL.createObjectURL(data);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
