"""Computer-vision helpers the later chapters reuse: convolution from scratch (:mod:`.conv`), batch image
augmentation (:mod:`.augment`) and the CNN families and project models (:mod:`.models`).

Chapter 6 (part 1): object detection: boxes, anchors, labels, NMS (:mod:`.boxes`) and SSD with COCO-style AP
(:mod:`.detection`).

Chapter 6 (part 2): pretrained backbones that work offline (:mod:`.pretrained`), semantic segmentation
(:mod:`.segmentation`) and neural style transfer (:mod:`.style`)."""
