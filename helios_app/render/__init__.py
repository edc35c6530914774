"""VTK and pictures: the one module that imports VTK (:mod:`._vtk`), the scene (:mod:`.scene`) and its render
loop (:mod:`.render_loop`), the camera and input maths without GL (:mod:`.interaction`), label placement
(:mod:`.labels`), SVG and PDF documents (:mod:`.vector`) and the display probe (:mod:`.display`).

Nothing is imported here: ``import helios_app.render.interaction`` loads no VTK.
"""
