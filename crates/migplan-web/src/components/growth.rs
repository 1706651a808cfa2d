//! Cost growth: each migration statement timed at three row counts, drawn
//! as a small chart (time against rows, one line per statement).

use migplan_core::simulate::Growth;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct GrowthProps {
    pub sizes: Vec<usize>,
    pub rows: Vec<Growth>,
    pub detail: AttrValue,
}

const W: f64 = 360.0;
const H: f64 = 160.0;
const PAD: f64 = 34.0;

#[function_component]
pub fn GrowthChart(props: &GrowthProps) -> Html {
    let max_ms = props
        .rows
        .iter()
        .flat_map(|g| g.ms.iter().copied())
        .fold(1.0_f64, f64::max);
    let n = props.sizes.len().max(2) as f64 - 1.0;
    let x = |i: usize| PAD + (W - 2.0 * PAD) * i as f64 / n;
    let y = |ms: f64| H - PAD + 6.0 - (H - 2.0 * PAD) * ms / max_ms;
    html! {
        <figure class="growth" id="sim-growth-chart">
            <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-label="Time of each statement against the number of rows">
                <line x1={PAD.to_string()} y1={(H - PAD + 6.0).to_string()} x2={(W - PAD).to_string()} y2={(H - PAD + 6.0).to_string()} class="axis" />
                <line x1={PAD.to_string()} y1={"8"} x2={PAD.to_string()} y2={(H - PAD + 6.0).to_string()} class="axis" />
                <text x="2" y="14" class="label">{ format!("{max_ms:.0} ms") }</text>
                { for props.sizes.iter().enumerate().map(|(i, n)| html! {
                    <text x={(x(i) - 12.0).to_string()} y={(H - 8.0).to_string()} class="label">{ format!("{n}") }</text>
                }) }
                { for props.rows.iter().enumerate().map(|(k, g)| {
                    let points: Vec<String> = g.ms.iter().enumerate().map(|(i, ms)| format!("{:.1},{:.1}", x(i), y(*ms))).collect();
                    html! {
                        <polyline points={points.join(" ")} class={classes!("series", format!("s{}", k % 6), if g.grows { "grows" } else { "flat" })}>
                            <title>{ format!("line {}: {}", g.line, g.statement) }</title>
                        </polyline>
                    }
                }) }
            </svg>
            <figcaption>
                <p class="note">{ props.detail.clone() }</p>
                <ul class="growth-legend">
                    { for props.rows.iter().enumerate().map(|(k, g)| html! {
                        <li class={format!("s{}", k % 6)} data-grows={g.grows.to_string()}>
                            <span class="swatch" />
                            { format!("line {}: {} — {}", g.line, if g.grows { "grows with the table" } else { "flat" },
                                g.ms.iter().map(|m| format!("{m:.1} ms")).collect::<Vec<_>>().join(" → ")) }
                        </li>
                    }) }
                </ul>
            </figcaption>
        </figure>
    }
}
