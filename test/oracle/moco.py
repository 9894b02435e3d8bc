"""PyTorch reference for the MoCo tests: the official builders' math, written out here.

v1/v2: facebookresearch/moco `moco/builder.py` (query pass, momentum update over parameters, key
pass under shuffle BN, logits [l_pos, l_neg] / T, labels 0, enqueue), with the single-GPU
notebook's SplitBatchNorm and batch shuffle. v3: facebookresearch/moco-v3 `moco/builder.py`
(projector/predictor MLPs with BN, in-batch negatives, loss 2T * (ce(q1, k2) + ce(q2, k1))).
The queue write generalises the official `queue[:, ptr:ptr + B] = keys.T` to any batch size by
writing column (ptr + i) % K for key i.

Reads one JSON request on stdin, writes one JSON answer on stdout.
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class SplitBatchNorm(nn.BatchNorm2d):
    """The MoCo CIFAR-10 notebook's BN over `num_splits` interleaved groups of the batch."""

    def __init__(self, num_features, num_splits):
        super().__init__(num_features)
        self.num_splits = num_splits

    def forward(self, input):
        N, C, H, W = input.shape
        if self.training or not self.track_running_stats:
            running_mean_split = self.running_mean.repeat(self.num_splits)
            running_var_split = self.running_var.repeat(self.num_splits)
            outcome = F.batch_norm(
                input.view(-1, C * self.num_splits, H, W), running_mean_split, running_var_split,
                self.weight.repeat(self.num_splits), self.bias.repeat(self.num_splits),
                True, self.momentum, self.eps).view(N, C, H, W)
            self.running_mean.data.copy_(running_mean_split.view(self.num_splits, C).mean(dim=0))
            self.running_var.data.copy_(running_var_split.view(self.num_splits, C).mean(dim=0))
            return outcome
        return F.batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                            False, self.momentum, self.eps)


class TinyEncoder(nn.Module):
    """conv1 -> bn1 -> relu -> global average pool -> fc: the tests' stand-in for a ResNet."""

    def __init__(self, channels, width, dim, bn_splits):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, width, 3, padding=1, bias=False)
        self.bn1 = SplitBatchNorm(width, bn_splits) if bn_splits > 1 else nn.BatchNorm2d(width)
        self.fc = nn.Linear(width, dim)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def build_mlp(num_layers, input_dim, mlp_dim, output_dim, last_bn=True):
    # moco-v3 builder `_build_mlp`
    mlp = []
    for l in range(num_layers):
        dim1 = input_dim if l == 0 else mlp_dim
        dim2 = output_dim if l == num_layers - 1 else mlp_dim
        mlp.append(nn.Linear(dim1, dim2, bias=False))
        if l < num_layers - 1:
            mlp.append(nn.BatchNorm1d(dim2))
            mlp.append(nn.ReLU(inplace=True))
        elif last_bn:
            mlp.append(nn.BatchNorm1d(dim2, affine=False))
    return nn.Sequential(*mlp)


def tensor(x, dtype=torch.float32):
    return torch.tensor(x, dtype=dtype)


def load(module, state):
    module.load_state_dict({k: tensor(v, torch.long if k.endswith('num_batches_tracked') else torch.float32)
                            for k, v in state.items()})


def dump_state(module):
    return {k: v.tolist() for k, v in module.state_dict().items()}


def dump_grads(module):
    return {k: p.grad.tolist() for k, p in module.named_parameters() if p.grad is not None}


def encoder(spec, mlp=False):
    enc = TinyEncoder(spec['channels'], spec['width'], spec['dim'], spec.get('bnSplits', 1))
    if mlp:  # moco builder: fc -> Linear-ReLU-fc
        dim_mlp = enc.fc.weight.shape[1]
        enc.fc = nn.Sequential(nn.Linear(dim_mlp, dim_mlp), nn.ReLU(), enc.fc)
    return enc


@torch.no_grad()
def momentum_update(encoder_q, encoder_k, m):
    for param_q, param_k in zip(encoder_q.parameters(), encoder_k.parameters()):
        param_k.data = param_k.data * m + param_q.data * (1. - m)


@torch.no_grad()
def dequeue_and_enqueue(queue, ptr, keys):
    K = queue.shape[1]
    columns = (ptr + torch.arange(keys.shape[0])) % K
    queue[:, columns] = keys.T
    return (ptr + keys.shape[0]) % K


def info_nce(req):
    q = tensor(req['q']).requires_grad_()
    k, queue, T = tensor(req['k']), tensor(req['queue']), req['T']
    l_pos = torch.einsum('nc,nc->n', [q, k]).unsqueeze(-1)
    l_neg = torch.einsum('nc,ck->nk', [q, queue.clone().detach()])
    logits = torch.cat([l_pos, l_neg], dim=1) / T
    labels = torch.zeros(logits.shape[0], dtype=torch.long)
    loss = nn.CrossEntropyLoss()(logits, labels)
    loss.backward()
    return {'logits': logits.tolist(), 'loss': loss.item(), 'gradQ': q.grad.tolist()}


def queue_case(req):
    queue, ptr = tensor(req['queue']), req['ptr']
    for keys in req['batches']:
        ptr = dequeue_and_enqueue(queue, ptr, F.normalize(tensor(keys), dim=1))
    return {'queue': queue.tolist(), 'ptr': ptr}


def moco_v1v2(req):
    spec = req['encoder']
    encoder_q, encoder_k = encoder(spec, req['mlp']), encoder(spec, req['mlp'])
    load(encoder_q, req['stateQ'])
    load(encoder_k, req['stateK'])
    for p in encoder_k.parameters():
        p.requires_grad = False
    queue, ptr, m, T = tensor(req['queue']), req['ptr'], req['m'], req['T']
    im_q, im_k = tensor(req['imQ']), tensor(req['imK'])

    q = F.normalize(encoder_q(im_q), dim=1)
    with torch.no_grad():
        momentum_update(encoder_q, encoder_k, m)
        if req['shuffle'] is not None:  # _batch_shuffle_single_gpu with the permutation given
            idx_shuffle = torch.tensor(req['shuffle'], dtype=torch.long)
            idx_unshuffle = torch.argsort(idx_shuffle)
            k = F.normalize(encoder_k(im_k[idx_shuffle]), dim=1)[idx_unshuffle]
        else:
            k = F.normalize(encoder_k(im_k), dim=1)
    l_pos = torch.einsum('nc,nc->n', [q, k]).unsqueeze(-1)
    l_neg = torch.einsum('nc,ck->nk', [q, queue.clone().detach()])
    logits = torch.cat([l_pos, l_neg], dim=1) / T
    labels = torch.zeros(logits.shape[0], dtype=torch.long)
    ptr = dequeue_and_enqueue(queue, ptr, k)
    loss = nn.CrossEntropyLoss()(logits, labels)
    loss.backward()
    return {
        'logits': logits.tolist(), 'loss': loss.item(), 'grads': dump_grads(encoder_q),
        'queue': queue.tolist(), 'ptr': ptr, 'stateK': dump_state(encoder_k), 'stateQ': dump_state(encoder_q),
    }


def moco_v3(req):
    spec = req['encoder']
    base, momentum = encoder(spec), encoder(spec)
    hidden, mlp_dim, dim = spec['width'], req['mlpDim'], spec['dim']
    base.fc = build_mlp(2, hidden, mlp_dim, dim)
    momentum.fc = build_mlp(2, hidden, mlp_dim, dim)
    predictor = build_mlp(2, dim, mlp_dim, dim, False)
    load(base, req['stateBase'])
    load(momentum, req['stateMomentum'])
    load(predictor, req['statePredictor'])
    for p in momentum.parameters():
        p.requires_grad = False
    m, T = req['m'], req['T']
    x1, x2 = tensor(req['x1']), tensor(req['x2'])

    def contrastive_loss(q, k):
        q = F.normalize(q, dim=1)
        k = F.normalize(k, dim=1)
        logits = torch.einsum('nc,mc->nm', [q, k]) / T
        labels = torch.arange(logits.shape[0], dtype=torch.long)
        return nn.CrossEntropyLoss()(logits, labels) * (2 * T)

    q1 = predictor(base(x1))
    q2 = predictor(base(x2))
    with torch.no_grad():
        momentum_update(base, momentum, m)
        k1 = momentum(x1)
        k2 = momentum(x2)
    loss = contrastive_loss(q1, k2) + contrastive_loss(q2, k1)
    loss.backward()
    return {
        'loss': loss.item(), 'gradsBase': dump_grads(base), 'gradsPredictor': dump_grads(predictor),
        'stateMomentum': dump_state(momentum), 'stateBase': dump_state(base), 'statePredictor': dump_state(predictor),
    }


def knn(req):
    # knn_predict of the official MoCo CIFAR-10 notebook (after Wu et al. 2018)
    feature, feature_bank = tensor(req['features']), tensor(req['bank'])
    feature_labels, classes, knn_k, knn_t = torch.tensor(req['bankLabels']), req['classes'], req['k'], req['t']
    sim_matrix = torch.mm(feature, feature_bank)
    sim_weight, sim_indices = sim_matrix.topk(k=knn_k, dim=-1)
    sim_labels = torch.gather(feature_labels.expand(feature.size(0), -1), dim=-1, index=sim_indices)
    sim_weight = (sim_weight / knn_t).exp()
    one_hot_label = torch.zeros(feature.size(0) * knn_k, classes)
    one_hot_label = one_hot_label.scatter(dim=-1, index=sim_labels.view(-1, 1), value=1.0)
    pred_scores = torch.sum(one_hot_label.view(feature.size(0), -1, classes) * sim_weight.unsqueeze(dim=-1), dim=1)
    pred_labels = pred_scores.argsort(dim=-1, descending=True)
    return {'predicted': pred_labels[:, 0].tolist(), 'scores': pred_scores.tolist()}


CASES = {'infoNCE': info_nce, 'queue': queue_case, 'moco': moco_v1v2, 'mocoV3': moco_v3, 'knn': knn}

if __name__ == '__main__':
    request = json.load(sys.stdin)
    json.dump(CASES[request['case']](request), sys.stdout)
