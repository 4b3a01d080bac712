//! `air crd`: print the AirApp CustomResourceDefinition (what
//! deploy/crd-airapp.yaml holds), generated from the controller's types.

/// Print the AirApp CustomResourceDefinition as YAML.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  air crd > deploy/crd-airapp.yaml\n  air crd | kubectl apply -f -"
)]
pub struct Args {}

pub fn run(_: Args) -> u8 {
    print!("{}", air_reconciler::airapp::crd_yaml());
    crate::exit::OK
}
