//! One binary for the page and its simulation worker: in a window it draws
//! the app; in the worker (`web/sim-worker.js` instantiates this same
//! module) it serves one simulation.

fn main() {
    if web_sys::window().is_some() {
        yew::Renderer::<migplan_web::App>::new().render();
    } else {
        migplan_web::worker::listen();
    }
}
