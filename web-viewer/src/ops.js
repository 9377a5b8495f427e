// What each editing tool asks of the API: the tools, the cells each picks and the
// shape it draws, and the operation of `POST /v1/edits` (docs/edits.md) they make,
// or what is still missing. A token scoped to a district edits only there: an
// operation that would name a cell outside it is not made (the server would refuse
// it with 403), and the tool says why instead.

import { DRAW_ZOOM } from './draw.js';
import { cellAt, cellsNear, halfway } from './pick.js';

/**
 * The tools: `draws` what shape (if any) after `picks` cells named by `pickNames`;
 * `moves`: whether its operation takes `move_parents`.
 */
export const TOOLS = [
  {
    id: 'split', label: 'Split a cell', draws: 'line', picks: 0,
    help: 'Draw a line across one cell, from its boundary to its boundary: click to place points (they snap to the cells\' corners and edges), then Enter or a click on the last point to finish.',
  },
  {
    id: 'reshape', label: 'Move a boundary', draws: 'line', picks: 0, moves: true,
    help: 'Draw the new course of a boundary two cells share: start and end on that boundary, then Enter or a click on the last point to finish.',
  },
  {
    id: 'transfer', label: 'Give land to a neighbour', draws: 'polygon', picks: 2, moves: true,
    pickNames: ['the cell that gives land', 'the neighbour that receives it'],
    help: 'Click the cell that gives land, then its neighbour that receives it, then draw the area that changes hands.',
  },
  {
    id: 'merge', label: 'Merge two cells', picks: 2,
    pickNames: ['the cell that keeps its code', 'its neighbour, whose code is retired'],
    help: 'Click two neighbouring cells of one village: the first keeps its code, name and attributes.',
  },
  {
    id: 'set', label: 'Rename, set staff', picks: 1, pickNames: ['the cell'],
    help: 'Click a cell, then change its name, its staff or another attribute.',
  },
];

/** Why `user` may not edit cell `code` (outside the token's district), or null. */
export function outside(code, user) {
  const district = user?.district;
  return district && !code.startsWith(district)
    ? `Cell ${code} is outside district ${district}, the only one your token may edit.`
    : null;
}

const enough = (shape) => shape && (shape.type === 'LineString' ? shape.coordinates.length >= 2 : shape.coordinates[0].length >= 4);

/**
 * The operation that `edit`'s tool, picks, shape and form changes make: `{op}`, or
 * `{wait}` saying what is missing. The cell a split cuts is the one under the
 * middle of its line; a reshape moves the cells its segments run through (its ends
 * lie on a boundary, where a cell of another district may meet it: not moved).
 */
export function operation(map, edit) {
  const { tool, picked, shape, user, moveParents } = edit;
  if (picked.length < tool.picks) return { wait: `Click ${tool.pickNames[picked.length]}.` };
  if (tool.draws && !enough(shape)) {
    return { wait: map.getZoom() < DRAW_ZOOM - 0.5 ? `Zoom in closer (zoom ${DRAW_ZOOM} or more), then draw. ${tool.help}` : tool.help };
  }
  const lineString = () => ({ type: 'LineString', coordinates: shape.coordinates });
  switch (tool.id) {
    case 'split': {
      const cell = cellAt(map, halfway(map, shape.coordinates));
      if (!cell) return { wait: 'Draw the line across a cell.' };
      return outside(cell.code, user) ? { wait: outside(cell.code, user) } : { op: { op: 'split', cell: cell.code, line: lineString() } };
    }
    case 'reshape': {
      const line = shape.coordinates;
      const middles = line.slice(1).map((p, i) => [(line[i][0] + p[0]) / 2, (line[i][1] + p[1]) / 2]);
      const away = middles.flatMap((p) => cellsNear(map, p, 2)).map((code) => outside(code, user)).find(Boolean);
      return away ? { wait: away } : { op: { op: 'reshape', line: lineString(), move_parents: moveParents } };
    }
    case 'transfer':
      return { op: { op: 'transfer', from: picked[0], to: picked[1], area: { type: 'Polygon', coordinates: shape.coordinates }, move_parents: moveParents } };
    case 'merge':
      return { op: { op: 'merge', cells: picked } };
    default:
      return Object.keys(edit.changes).length
        ? { op: { op: 'set', cell: picked[0], attributes: edit.changes } }
        : { wait: 'Change the name, the staff or another attribute.' };
  }
}
