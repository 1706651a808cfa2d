//! The app rendered in headless Chromium.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn renders_the_example_analysed() {
    let document = gloo::utils::document();
    let root = document.create_element("div").expect("div");
    document
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    yew::Renderer::<migplan_web::App>::with_root(root.clone()).render();
    // Let the scheduler render: the panels below the findings are drawn
    // one per task after the first render, the runbook last.
    for _ in 0..100 {
        if root.query_selector("#runbook").ok().flatten().is_some() {
            break;
        }
        gloo::timers::future::TimeoutFuture::new(50).await;
    }
    let items = root
        .query_selector_all("#migration-statements li.statement")
        .expect("query");
    assert_eq!(items.length(), 4);
    let text = root.text_content().unwrap_or_default();
    assert!(text.contains("line 2:1"), "{text}");
    assert!(text.contains("alter_table"), "{text}");
}
