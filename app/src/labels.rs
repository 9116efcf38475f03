//! Where a link's label goes: on its line, where it crosses no site box's
//! border, covers no device icon and no label already placed. Geometry only.

use crate::layout::{Pt, Rect};

/// A link label's height, and its width for a text (11 px, tabular figures).
pub const LINK_LABEL_H: f64 = 20.0;
pub fn link_label_w(text: &str) -> f64 {
    text.chars().count() as f64 * 6.6 + 14.0
}

/// A link label's box, `w` wide, centred on `c`.
pub fn label_box(c: Pt, w: f64) -> Rect {
    Rect { x: c.x - w / 2.0, y: c.y - LINK_LABEL_H / 2.0, w, h: LINK_LABEL_H }
}

/// The area a device's icon covers (its selection halo), around its centre.
pub fn icon_box(p: Pt) -> Rect {
    Rect { x: p.x - 30.0, y: p.y - 26.0, w: 60.0, h: 52.0 }
}

/// Along the line from its middle outwards, then beside it (either side).
const ALONG: [f64; 9] = [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82];
/// Between a label set beside its line and the line.
const GAP: f64 = 4.0;

/// What a label must keep clear of.
pub struct Obstacles<'a> {
    /// Site boxes: a label lies wholly inside or wholly outside each.
    pub sites: &'a [Rect],
    /// Device icons and labels already placed: a label covers none.
    pub boxes: &'a Grid,
}

impl Obstacles<'_> {
    fn clear(&self, r: &Rect) -> bool {
        self.off_borders(r) && !self.boxes.meets(r)
    }
    fn off_borders(&self, r: &Rect) -> bool {
        let inside = |s: &Rect| r.x >= s.x && r.y >= s.y && r.right() <= s.right() && r.bottom() <= s.bottom();
        self.sites.iter().all(|s| !s.intersects(r) || inside(s))
    }
}

/// Boxes sorted by their left side, so that a question about one spot looks
/// at the boxes that start near it only (a 2,000-node drawing has 2,000 icons).
/// A sorted vector rather than a map: the page's module pays for every map type.
#[derive(Default)]
pub struct Grid {
    boxes: Vec<Rect>,
    widest: f64,
}

impl Grid {
    pub fn add(&mut self, r: Rect) {
        let at = self.boxes.partition_point(|b| b.x < r.x);
        self.boxes.insert(at, r);
        self.widest = self.widest.max(r.w);
    }

    /// True when `r` overlaps a box of the grid.
    pub fn meets(&self, r: &Rect) -> bool {
        let from = self.boxes.partition_point(|b| b.x + self.widest < r.x);
        self.boxes[from..].iter().take_while(|b| b.x < r.right()).any(|b| b.intersects(r))
    }
}

/// The centre of the label of the link from `a` to `b`, `w` wide: the first
/// free spot along the line from its middle out, else beside the line; with
/// none free, the first off every border (just past an end last); else the
/// middle.
pub fn place(a: Pt, b: Pt, w: f64, obstacles: &Obstacles) -> Pt {
    let at = |t: f64| Pt::new(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t);
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = (dx * dx + dy * dy).sqrt().max(1e-9);
    // A unit normal; beside the line means the label's near edge clears it.
    let (nx, ny) = (-dy / len, dx / len);
    let label = |c: Pt| label_box(c, w);
    // Far enough along the normal that the label's box clears the line,
    // whatever its slope (the box's reach along the normal, and a gap).
    let off = nx.abs() * w / 2.0 + ny.abs() * LINK_LABEL_H / 2.0 + GAP;
    // Beside the line, then further out, past an icon's half width.
    let beside = |c: Pt, side: f64| Pt::new(c.x + nx * side, c.y + ny * side);
    let sides = [off, -off, off + 32.0, -off - 32.0];
    // Just past either end (into the box a link ends on, when it is short).
    let past = (w / 2.0 + 8.0) / len;
    let ends = [-past, 1.0 + past];
    let spots: Vec<Pt> = ALONG
        .iter()
        .map(|t| at(*t))
        .chain(sides.iter().flat_map(|d| ALONG.iter().map(|t| beside(at(*t), *d))))
        .collect();
    let past_ends = ends.iter().flat_map(|t| [at(*t), beside(at(*t), off), beside(at(*t), -off)]);
    let mid = at(0.5);
    // No spot clear of everything: one at least off the borders (a border
    // crossed reads as a label of the site), just past an end last; else the middle.
    (spots.iter().copied().find(|c| obstacles.clear(&label(*c).grow(2.0))))
        .or_else(|| spots.iter().copied().chain(past_ends).find(|c| obstacles.off_borders(&label(*c).grow(2.0))))
        .unwrap_or(mid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crosses_border(l: &Rect, s: &Rect) -> bool {
        let inside = l.x >= s.x && l.y >= s.y && l.right() <= s.right() && l.bottom() <= s.bottom();
        s.intersects(l) && !inside
    }

    fn label_at(c: Pt, w: f64) -> Rect {
        label_box(c, w)
    }

    fn grid(boxes: &[Rect]) -> Grid {
        let mut g = Grid::default();
        for b in boxes {
            g.add(*b);
        }
        g
    }

    #[test]
    fn a_label_on_a_border_slides_along_its_link() {
        // A link from inside site A to inside site B whose middle is on A's border.
        let a = Rect { x: 0.0, y: 0.0, w: 300.0, h: 200.0 };
        let b = Rect { x: 360.0, y: 0.0, w: 300.0, h: 200.0 };
        let (from, to) = (Pt::new(100.0, 100.0), Pt::new(500.0, 100.0));
        let w = link_label_w("zerotier · 1420");
        let sites = [a, b];
        let icons = grid(&[icon_box(from), icon_box(to)]);
        let o = Obstacles { sites: &sites, boxes: &icons };
        let c = place(from, to, w, &o);
        let l = label_at(c, w);
        assert!(!crosses_border(&l, &a) && !crosses_border(&l, &b), "{l:?} crosses a site's border");
        assert!(!l.intersects(&icon_box(from)) && !l.intersects(&icon_box(to)));
        // On the line: the link is horizontal at y = 100.
        assert_eq!(c.y, 100.0);
    }

    #[test]
    fn a_label_on_an_icon_moves_beside_the_line() {
        // A short link whose whole length is covered by icons: the label goes beside it.
        let (from, to) = (Pt::new(0.0, 0.0), Pt::new(0.0, 90.0));
        let w = link_label_w("lan · 1500");
        let icons = [icon_box(from), icon_box(to), icon_box(Pt::new(0.0, 45.0))];
        let g = grid(&icons);
        let c = place(from, to, w, &Obstacles { sites: &[], boxes: &g });
        let l = label_at(c, w);
        assert!(!icons.iter().any(|b| b.intersects(&l)), "{l:?} covers an icon");
        // Beside a vertical line: the label's near edge clears x = 0.
        assert!(l.x >= 0.0 || l.right() <= 0.0, "{l:?} lies on the line");
    }

    #[test]
    fn two_labels_on_one_spot_do_not_overlap() {
        let (from, to) = (Pt::new(0.0, 0.0), Pt::new(400.0, 0.0));
        let w = link_label_w("internet · 1500");
        let mut g = Grid::default();
        let c1 = place(from, to, w, &Obstacles { sites: &[], boxes: &g });
        g.add(label_box(c1, w));
        let c2 = place(from, to, w, &Obstacles { sites: &[], boxes: &g });
        assert!(!label_at(c1, w).intersects(&label_at(c2, w)));
        assert_eq!(c1, Pt::new(200.0, 0.0));
    }

    #[test]
    fn with_only_icons_in_the_way_the_label_keeps_off_borders() {
        // A short link between two site boxes 40 apart: no spot on or beside
        // it is clear of both boxes' borders and the icons; one off the borders is taken.
        let sites = [Rect { x: 0.0, y: 0.0, w: 300.0, h: 100.0 }, Rect { x: 340.0, y: 0.0, w: 300.0, h: 100.0 }];
        let (from, to) = (Pt::new(250.0, 50.0), Pt::new(390.0, 50.0));
        let w = link_label_w("zerotier · 1420");
        let g = grid(&[icon_box(from), icon_box(to)]);
        let c = place(from, to, w, &Obstacles { sites: &sites, boxes: &g });
        let l = label_at(c, w);
        assert!(!sites.iter().any(|s| crosses_border(&l, s)), "{l:?} crosses a border");
    }

    #[test]
    fn with_no_free_spot_the_label_stays_in_the_middle() {
        let (from, to) = (Pt::new(0.0, 0.0), Pt::new(100.0, 0.0));
        let wall = [Rect { x: -500.0, y: -500.0, w: 1000.0, h: 1000.0 }];
        let g = grid(&wall);
        assert_eq!(place(from, to, 80.0, &Obstacles { sites: &[], boxes: &g }), Pt::new(50.0, 0.0));
    }
}
