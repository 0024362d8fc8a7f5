/**
 * Crowding distance (Deb et al. 2002): how much room a point of a front has
 * around it, the sum over objectives of the gap between its two neighbours
 * along that objective, divided by the front's extent there. The extremes
 * of each objective get Infinity, so NSGA-II always keeps the ends of a
 * front; among the rest it keeps the points in the emptiest regions, which
 * spreads the front out.
 */

/**
 * The crowding distance of each point of one front (loss vectors).
 * An objective on which every point has the same value adds nothing.
 *
 * @example
 *   crowdingDistances([[0, 4], [1, 2], [2, 1], [4, 0]]); // Float64Array [Infinity, 1.25, 1.25, Infinity]
 */
export function crowdingDistances(front: readonly (readonly number[])[]): Float64Array {
  const n = front.length;
  const distance = new Float64Array(n);
  if (n === 0) return distance;
  const m = front[0].length;
  const order = Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < m; k++) {
    order.sort((a, b) => front[a][k] - front[b][k] || a - b);
    const low = front[order[0]][k];
    const high = front[order[n - 1]][k];
    if (!(high > low)) continue;
    distance[order[0]] = Infinity;
    distance[order[n - 1]] = Infinity;
    for (let r = 1; r < n - 1; r++) distance[order[r]] += (front[order[r + 1]][k] - front[order[r - 1]][k]) / (high - low);
  }
  return distance;
}
