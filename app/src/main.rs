fn main() {
    meshplan_app::start();
}
