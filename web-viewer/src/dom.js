// Making elements: the one helper every panel of the viewer builds its DOM with.

/** A `tag` element with `attributes` and `children` (nodes or text). */
export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}
