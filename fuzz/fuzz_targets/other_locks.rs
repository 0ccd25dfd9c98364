//! Any bytes as go.mod, Gemfile.lock, composer.lock, Composer's installed.json,
//! packages.lock.json, deps.json, a Gradle lock file and a Maven pom.xml.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_catalog::{dotnet, golang, java, php, ruby};

fuzz_target!(|data: &[u8]| {
    let _ = golang::parse(data);
    let _ = ruby::parse_lock(data);
    let _ = php::parse(data);
    let _ = php::parse_installed(data);
    let _ = dotnet::parse(data, true);
    let _ = dotnet::parse(data, false);
    let _ = java::gradle::parse(data);
    let _ = java::pom::parse(data);
});
