"""Notebooks built the way students produce them, for the tests of notebook submissions.

The cells are the seed notebooks' (``../shared/seeds/``: the autograd exercises notebook, the
polyfit notebook) with a solution filled in, and everything a real notebook carries: cells
run out of order, a function defined again after a wrong first try, a solution split across
cells, magics and shell lines, a ``%load`` line, timing cells, an unfinished cell with a
syntax error, plots (PNG outputs), a widget (its view and its state), and the polyfit
notebook's 200 000-step training runs at the top level. :func:`modules_of` gives the same
solution as modules, so that a test can grade both and compare.
"""

from __future__ import annotations

import ast
import base64
import io
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"

#: The module cosine_similarity is graded from: the reference with a known mistake (the
#: mutant ``squared_norms``), so that a comparison covers failed tests as well as passed ones.
WRONG_COSINE = '''def cosine_similarity(x, y):
    """<x, y> / (|x|^2 |y|^2): the usual slip of squared norms."""
    return torch.dot(x, y) / (torch.sum(x * x) * torch.sum(y * y))
'''


def png() -> str:
    """A real plot as a notebook stores it (base64 PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [0, 1, 4])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def statements(path: Path) -> list[str]:
    """The top-level statements of a module, as text (its docstring left out)."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.split("\n")
    out = []
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        out.append("\n".join(lines[start - 1:node.end_lineno]))
    return out


def _code(source: str, count: int | None = None, outputs: list | None = None):
    cell = new_code_cell(source, execution_count=count)
    cell.outputs = outputs or []
    return cell


def _plot_output() -> list:
    return [new_output("display_data", data={"image/png": png(), "text/plain": "<Figure>"})]


def _stream(text: str) -> list:
    return [new_output("stream", name="stdout", text=text)]


WIDGET_VIEW = {"version_major": 2, "version_minor": 0, "model_id": "5f2a"}


def exercises_notebook() -> nbformat.NotebookNode:
    """The autograd exercises seed notebook with cosine_similarity and the momentum step
    filled in (cosine_similarity ends as WRONG_COSINE)."""
    momentum = statements(REFERENCE / "momentum.py")
    imports = [s for s in momentum if s.startswith(("from", "import"))]
    gradient_descent = next(s for s in momentum if s.startswith("class GradientDescent"))
    momentum_class = next(s for s in momentum if s.startswith("class MomentumGradient"))
    first_try = momentum_class.replace("velocity.mul_(self.momentum).add_(param.grad)",
                                       "velocity.add_(param.grad)")
    cells = [
        new_markdown_cell("PyTorch essentially provides the user with two main utilities: "
                          "tensor computation on the GPU with an API similar to Numpy, and "
                          "automatic differentiation of everything it records."),
        _code("import torch\n# Two options: 'cuda' (for GPU) or 'cpu' (if no GPU available)\n"
              "device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n"
              "print(\"Device type set:\", \"GPU\" if device.type == \"cuda\" else \"CPU\")",
              1, _stream("Device type set: CPU\n")),
        _code("torch.manual_seed(42)\nn = 3\nx = torch.rand(n, dtype=torch.float32)\nx", 2),
        _code("x_np = x.numpy()", 3),
        _code("import numpy as np\nA = torch.from_numpy(np.ones((n, n)))\nA", 4),
        new_markdown_cell("Let us now define a norm function that returns the euclidean norm "
                          "of a vector $x \\in \\mathbb{R}^n$: $$f(x) = || x ||_2$$"),
        _code("def f(x):\n    return torch.sqrt(torch.sum(x ** 2, dim=0))", 5),
        _code("x.requires_grad_()\nnorm = f(x)\nnorm.backward()\nx.grad", 6),
        new_markdown_cell("## Exercises\nImplement the cosine similarity of two vectors "
                          "$\\mathbf{x}$ and $\\mathbf{y}$ and use `torch.autograd` to compute "
                          "its derivatives."),
        _code("def cosine_similarity(x, y):\n    # TODO: fix the following code to implement "
              "the cosine\n    # similarity function instead.\n    return torch.sum(x) + "
              "torch.sum(y)\n\nx = torch.tensor([0, 1, 2], dtype=torch.float32, "
              "requires_grad=True)\ny = torch.tensor([3, 0.9, 2.2], dtype=torch.float32, "
              "requires_grad=True)\ncosine = cosine_similarity(x, y)\ncosine", 7),
        _code("%load solutions/cosine_autograd.py", None),
        _code("# %load solutions/cosine_autograd.py\n" + WRONG_COSINE + "\n\ncosine = "
              "cosine_similarity(x, y)\ncosine.backward()\nprint(x.grad, y.grad)", 9,
              _stream("tensor([ 0.1, 0.2, 0.3]) tensor([0.0, 0.1, 0.2])\n")),
        _code("x = torch.tensor([0, 1, 2], dtype=torch.float32, requires_grad=True)\n"
              "y = torch.tensor([3, 0.9, 2.2], dtype=torch.float32, requires_grad=True)", 10),
        _code("cosine = cosine_similarity(x, y)\nprint('cosine:', cosine)\ncosine.backward()\n"
              "with torch.no_grad():\n    # Do not record the following operations for future\n"
              "    # calls to cosine.backward().\n    x.add_(0.5 * x.grad)\n"
              "    y.add_(0.5 * y.grad)\nx.grad.zero_()\ny.grad.zero_()", 11),
        _code("import torch.nn as nn\nfrom torch.nn import Parameter\n\n\nclass Norm(nn.Module):\n"
              "    def __init__(self, p=2.):\n        super(Norm, self).__init__()\n"
              "        self.p = Parameter(torch.tensor([p], dtype=torch.float32))\n\n"
              "    def forward(self, x):\n        p_sum = torch.sum(torch.pow(x, self.p), dim=0)\n"
              "        return torch.pow(p_sum, 1 / self.p)", 12),
        _code("%%time\ntorch.manual_seed(42)\nx = torch.rand(n)\nnorm = Norm(p=3.)\n"
              "v = norm(x)\nv.backward()", 13, _stream("CPU times: user 1 ms\n")),
        _code("import matplotlib.pyplot as plt\n%matplotlib inline\n\ndef plot_function(f, ax):"
              "\n    x_max, y_max, x_min, y_min = 3, 3, -3, -3\n"
              "    x = np.linspace(x_min, x_max, 100, dtype=np.float32)\n"
              "    X, Y = np.meshgrid(x, x)\n    ax.contour(X, Y, X * Y)", 14),
        _code("fig, ax = plt.subplots(figsize=(8, 8))\nplot_function(f, ax)", 15,
              _plot_output()),
        new_markdown_cell("Implement the step method of `MomentumGradientDescent`: "
                          "$$ \\mathbf{v} \\leftarrow \\mu \\cdot \\mathbf{v} + "
                          "\\nabla_\\mathbf{x}\\ell(\\mathbf{x}) $$ "
                          "$$ \\mathbf{x} \\leftarrow \\mathbf{x} - \\eta \\cdot \\mathbf{v} $$"),
        # run out of order: the subclass sits above its base class
        _code("\n".join(imports) + "\n\n\n" + first_try, 20),
        _code(momentum_class, 31),
        _code(gradient_descent, 18),
        _code("def minimize(f, optimizer, max_iter=500, verbose=False):\n"
              "    [iterate] = optimizer.params\n    iterate_record = []\n"
              "    for i in range(max_iter):\n        optimizer.zero_grad()\n"
              "        value = f(iterate)\n        value.backward()\n"
              "        iterate_record.append(iterate.data.clone()[None, :])\n"
              "        optimizer.step()\n    return torch.cat(iterate_record, dim=0)", 22),
        _code("from ipywidgets import interact\n\n@interact(lr=(0.01, 1.0), momentum=(0.0, "
              "0.99))\ndef explore(lr=0.1, momentum=0.9):\n    init = torch.tensor([0.8, 0.8])\n"
              "    opt = MomentumGradientDescent([init.requires_grad_()], lr, momentum)\n"
              "    return minimize(lambda v: (v ** 2).sum(), opt)[-1]", 23,
              [new_output("display_data", data={
                  "application/vnd.jupyter.widget-view+json": WIDGET_VIEW,
                  "text/plain": "interactive(children=(FloatSlider(value=0.1)))"})]),
        _code("!nvidia-smi\n!pip install ipywidgets", 24, _stream("command not found\n")),
        _code("def plot_trace(iterate_rec, ax, label='', tags=True:\n"
              "    iterate_rec = iterate_rec.numpy()\n    n_steps = len(iterate_rec)", 25),
        _code("lr = 0.1\ninit = torch.FloatTensor([0.8, 0.8])\n"
              "optimizer = GradientDescent([init.clone().requires_grad_()], lr=lr)\n"
              "iterate_rec_gd = minimize(lambda v: (v ** 2).sum(), optimizer)\n"
              "optimizer = MomentumGradientDescent([init.clone().requires_grad_()], lr=lr, "
              "momentum=0.9)\niterate_rec_mom = minimize(lambda v: (v ** 2).sum(), optimizer)\n"
              "plt.plot([float((v ** 2).sum()) for v in iterate_rec_mom])", 32,
              _plot_output()),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "version_major": 2, "version_minor": 0,
        "state": {"5f2a": {"model_name": "FloatSliderModel", "state": {"value": 0.1}}}}}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def polyfit_notebook() -> nbformat.NotebookNode:
    """The polyfit seed notebook with the reference's solution split across cells, and the
    seed's own top-level training runs (200 000 steps each) left in."""
    parts = statements(REFERENCE / "polyfit.py")
    head = [p for p in parts if not p.startswith(("def ", "class ", "@"))]
    defs = {ast.parse(p).body[0].name: p for p in parts if p.startswith("def ")}
    helpers = [text for name, text in defs.items() if name.startswith("_")]
    cells = [
        new_markdown_cell("# Comparing Numpy, Pytorch, and autograd on CPU and GPU\nCode for "
                          "fitting a polynomial to a simple data set is discussed."),
        _code("import numpy as np\nimport time\nimport torch\nimport matplotlib.pyplot as plt\n"
              "%matplotlib inline", 1),
        _code("x = np.linspace(-2*np.pi, 2*np.pi, 100)\ny = np.sin(x)\ndy = np.cos(x)\n"
              "plt.plot(x, y)\nplt.plot(x, dy)\nplt.legend(('$\\\\sin(x)$', '$\\\\cos(x)$'));",
              14, _plot_output()),
        _code("x = torch.autograd.Variable(torch.linspace(-2*np.pi, 2*np.pi, steps=100), "
              "requires_grad=True)", 15),
        _code("if x.grad is not None:\n    x.grad.data.zero_()\n\ny = torch.sin(x)", 16),
        _code("dout = torch.zeros(100)\nfor i in range(100):\n    dout[:] = 0\n    dout[i] = 1\n"
              "    y.backward(dout, retain_graph=True)", 17),
        new_markdown_cell("# Using Numpy to Fit a Polynomial to Data\nFirst, here is the "
                          "parameterized polynomial model and its derivative."),
        _code("\n".join(head), 18),
        _code(defs["dpoly_dw"], 19),
        _code(defs["poly"], 20),
        _code("x = np.linspace(-5, 5, 20).reshape((-1,1))\nw = 0.1*np.array([3.0, -2.0, -1.5, "
              "5]).reshape((-1,1))\npoly(x, w).shape, dpoly_dw(x,w).shape", 21),
        _code("plt.subplot(2, 1, 1)\nplt.plot(poly(x, w))\nplt.subplot(2,1,2)\n"
              "plt.plot(dpoly_dw(x,w))\nplt.ylabel('d poly(x,w)/ dw');", 22, _plot_output()),
        _code("x = np.linspace(0, 5, 100).reshape((-1, 1))\ny = np.sin(x)\nplt.plot(x, y, 'o-');",
              23, _plot_output()),
        new_markdown_cell("# Wrapped up in one function"),
        _code(defs["train"], 30),
        _code("\n\n\n".join(helpers), 29),  # the helpers were written after train
        _code("%%time\nresult = train(x, y, n_steps=200_000, backend='autograd')\n"
              "print(result['mse_trace'][-1])", 31, _stream("tensor(0.0079)\nWall time: 1 s\n")),
        _code("get_ipython().system('nvidia-smi')\n!uptime\n%timeit train(x, y, n_steps=1000)",
              32, _stream("1.2 ms per loop\n")),
        _code("for backend in ('numpy', 'torch', 'autograd'):\n"
              "    result = train(x, y, n_steps=200000, lr=0.00001, degree=4, backend=backend)\n"
              "    print('{:20} {:6.2f} seconds, final error {:.4f}'.format(backend, "
              "result['seconds'], float(result['mse_trace'][-1])))", 33,
              _stream("numpy  0.92 seconds, final error 0.0079\n")),
        _code("plt.figure(figsize=(15, 5))\nplt.subplot(1, 2, 1)\nplt.plot(result['mse_trace'])"
              "\nplt.subplot(1, 2, 2\n", None),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def notebook_submission(folder: Path) -> Path:
    """A submission of the two notebooks and the compiled-loop module polyfit imports."""
    write_notebook(exercises_notebook(), folder / "autograd_exercises.ipynb")
    write_notebook(polyfit_notebook(), folder / "polyfit_notebook.ipynb")
    shutil.copyfile(REFERENCE / "polyfit_compiled.py", folder / "polyfit_compiled.py")
    return folder


def modules_of(folder: Path) -> Path:
    """The same solution as the notebooks of :func:`notebook_submission`, as modules."""
    folder.mkdir(parents=True, exist_ok=True)
    cosine = (REFERENCE / "cosine.py").read_text(encoding="utf-8")
    (folder / "cosine.py").write_text(cosine + "\n\n" + WRONG_COSINE, encoding="utf-8")
    # the exercises notebook's Norm is the seed's, which is the reference's pnorm
    for name in ("momentum.py", "polyfit.py", "polyfit_compiled.py", "pnorm.py"):
        shutil.copyfile(REFERENCE / name, folder / name)
    return folder
