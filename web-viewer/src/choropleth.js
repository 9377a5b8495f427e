// "Colour cells by": neighbours (a colour class per cell from the server, so two
// cells sharing an edge never look alike) or a numeric cell attribute in quantile
// classes (breaks from /v1/viewer-config.json), with a legend.

import { element } from './panel.js';
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

/** Builds the switch and legend and applies the choice to `cells-fill`. */
export function setUpColourBy(map, config, colours) {
  const options = document.getElementById('colour-options');
  const legend = document.getElementById('legend');
  const choices = [
    { id: 'neighbours', label: 'Neighbours (distinct colours)', colour: () => neighbourColour(colours.cell), legend: () => neighbourLegend(colours.cell) },
    ...config.choropleths.map((c) => ({
      id: c.attribute,
      label: c.attribute,
      colour: () => choroplethColour(c.attribute, c.breaks),
      legend: () => attributeLegend(c),
    })),
  ];
  const apply = (choice) => {
    map.setPaintProperty('cells-fill', 'fill-color', choice.colour());
    legend.replaceChildren(...choice.legend());
  };
  options.replaceChildren(...choices.map((choice, i) => {
    const input = element('input', { type: 'radio', name: 'colour-by', value: choice.id, id: `colour-by-${i}` });
    input.checked = i === 0;
    input.addEventListener('change', () => input.checked && apply(choice));
    return element('label', { for: input.id }, input, ` ${choice.label}`);
  }));
  legend.replaceChildren(...choices[0].legend());
}
