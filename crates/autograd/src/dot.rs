//! The tape as a Graphviz DOT graph.

use std::fmt::Write;

use tensor::Float;

use crate::tape::Tape;

impl<T: Float> Tape<T> {
    /// The recorded graph in Graphviz DOT: one node per tape entry labelled with its op and
    /// output shape, an edge from each tracked input (labelled with the input's position when an
    /// op has several), and dashed boxes for constant inputs. Render with `dot -Tsvg`.
    ///
    /// ```
    /// use autograd::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::zeros(&[4, 2])?);
    /// let w = tape.var(Tensor::zeros(&[2, 3])?);
    /// x.matmul(&w)?.relu()?;
    /// let dot = tape.to_dot();
    /// assert!(dot.starts_with("digraph tape {"));
    /// assert!(dot.contains("n2 [label=\"matmul [4, 3]\"];"));
    /// assert!(dot.contains("n0 -> n2 [label=\"0\"];"));
    /// assert!(dot.contains("n2 -> n3;"));
    /// # Ok::<(), tensor::Error>(())
    /// ```
    pub fn to_dot(&self) -> String {
        let nodes = self.inner.nodes.borrow();
        let mut s = String::from("digraph tape {\n  rankdir=LR;\n  node [shape=ellipse];\n");
        // `write!` to a String cannot fail.
        for (i, n) in nodes.iter().enumerate() {
            let _ = writeln!(s, "  n{i} [label=\"{} {:?}\"];", n.op, n.value.shape());
            let inputs = n.record.as_ref().map_or(&[][..], |r| &r.inputs[..]);
            let many = inputs.len() > 1;
            for (k, input) in inputs.iter().enumerate() {
                let edge_label = if many {
                    format!(" [label=\"{k}\"]")
                } else {
                    String::new()
                };
                match input.node {
                    Some(src) => {
                        let _ = writeln!(s, "  n{} -> n{i}{edge_label};", src.0);
                    }
                    None => {
                        let _ = writeln!(
                            s,
                            "  c{i}_{k} [label=\"constant {:?}\", shape=box, style=dashed];\n  c{i}_{k} -> n{i}{edge_label};",
                            input.value.shape()
                        );
                    }
                }
            }
        }
        s.push_str("}\n");
        s
    }
}
