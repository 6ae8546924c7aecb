//! Synthetic binaries of any size, hand-encoded so that generating them costs nothing next to
//! reading them (shared by the integration tests and benches/admission.rs).

fn leb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn section(out: &mut Vec<u8>, id: u8, body: &[u8]) {
    out.push(id);
    leb(out, body.len() as u64);
    out.extend(body);
}

/// A module of `functions` bodies of `ops` arithmetic steps each, plus a memory and data.
pub fn big_module(functions: u32, ops: u32) -> Vec<u8> {
    let mut out = b"\0asm\x01\0\0\0".to_vec();
    section(&mut out, 1, &[1, 0x60, 1, 0x7f, 1, 0x7f]); // (func (param i32) (result i32))
    let mut funcs = Vec::new();
    leb(&mut funcs, u64::from(functions));
    funcs.extend(core::iter::repeat_n(0, functions as usize));
    section(&mut out, 3, &funcs);
    section(&mut out, 5, &[1, 1, 16, 64]); // (memory 16 64)
    let mut body = vec![0]; // no locals
    for _ in 0..ops {
        // local.get 0; i32.const 7; i32.add; local.set 0
        body.extend([0x20, 0, 0x41, 7, 0x6a, 0x21, 0]);
    }
    body.extend([0x20, 0, 0x0b]);
    let mut code = Vec::new();
    leb(&mut code, u64::from(functions));
    for _ in 0..functions {
        leb(&mut code, body.len() as u64);
        code.extend(&body);
    }
    section(&mut out, 10, &code);
    section(
        &mut out,
        11,
        &[1, 0, 0x41, 0, 0x0b, 4, b'd', b'a', b't', b'a'],
    );
    out
}

/// A component that nests `module` `copies` times and instantiates each copy once.
pub fn component_of(module: &[u8], copies: u32) -> Vec<u8> {
    let mut out = b"\0asm\x0d\0\x01\0".to_vec();
    for _ in 0..copies {
        section(&mut out, 1, module); // core module section
    }
    let mut instances = Vec::new();
    leb(&mut instances, u64::from(copies));
    for index in 0..copies {
        instances.push(0); // instantiate
        leb(&mut instances, u64::from(index));
        instances.push(0); // no arguments
    }
    section(&mut out, 2, &instances); // core instance section
    out
}
