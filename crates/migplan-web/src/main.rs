fn main() {
    yew::Renderer::<migplan_web::App>::new().render();
}
