// "Colour cells by": neighbours (a colour class per cell from the server, so two
// cells sharing an edge never look alike), a numeric cell attribute in quantile
// classes (breaks from /v1/viewer-config.json), or any figure of the server's layers
// (stats.js), with a legend.

import { element } from './dom.js';
import { onVersionChange, statChoices } from './stats.js';
import { CHOROPLETH_PALETTE, NEIGHBOUR_PALETTE, NO_DATA, choroplethColour, neighbourColour } from './style.js';

const number = (v) => v.toLocaleString('en');

function swatchRow(colour, text) {
  return element('div', { class: 'legend-row' },
    element('span', { class: 'swatch', style: `background:${colour}`, 'aria-hidden': 'true' }), text);
}

function attributeLegend({ attribute, breaks, min, max }) {
  const bounds = [min, ...breaks, max];
  const rows = bounds.slice(0, -1).map((low, i) => {
    const high = bounds[i + 1];
    const text = i === bounds.length - 2 ? `${number(low)} to ${number(high)}` : `${number(low)} to under ${number(high)}`;
    return swatchRow(CHOROPLETH_PALETTE[i], text);
  });
  return [element('p', {}, `${attribute} per cell, ${rows.length} classes of about equal counts:`), ...rows, swatchRow(NO_DATA, 'no value')];
}

function neighbourLegend(colours) {
  const swatches = NEIGHBOUR_PALETTE.slice(0, colours.count)
    .map((c) => element('span', { class: 'swatch', style: `background:${c}`, 'aria-hidden': 'true' }));
  return [element('p', {}, ...swatches, ` ${colours.count} colours; cells sharing an edge never have the same one (townships and districts likewise when zoomed out).`)];
}

/** A choice whose colours and legend are known at once. */
const fixed = (id, label, colour, legend) => ({
  id,
  label,
  apply(map, into) {
    map.setPaintProperty('cells-fill', 'fill-color', colour());
    into.replaceChildren(...legend());
    document.body.dataset.colour = id;
  },
});

/** Builds the switch and legend and applies the choice to `cells-fill`. */
export async function setUpColourBy(map, config, colours) {
  const options = document.getElementById('colour-options');
  const legend = document.getElementById('legend');
  const choices = [
    fixed('neighbours', 'Neighbours (distinct colours)', () => neighbourColour(colours.cell), () => neighbourLegend(colours.cell)),
    ...config.choropleths.map((c) => fixed(c.attribute, c.attribute, () => choroplethColour(c.attribute, c.breaks), () => attributeLegend(c))),
    ...await statChoices(),
  ];
  let current = choices[0];
  const apply = (choice) => {
    current = choice;
    choice.apply(map, legend);
  };
  // figures follow the version the map shows
  onVersionChange(() => current.id.startsWith('stat-') && apply(current));
  options.replaceChildren(...choices.map((choice, i) => {
    const input = element('input', { type: 'radio', name: 'colour-by', value: choice.id, id: `colour-by-${i}` });
    input.checked = i === 0;
    input.addEventListener('change', () => input.checked && apply(choice));
    return element('label', { for: input.id }, input, ` ${choice.label}`);
  }));
  choices[0].apply(map, legend);
}
